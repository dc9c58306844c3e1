#include "io/mat_file.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>

#include <fmt/format.h>
#include <matio.h>

#include "io/mat_v5_check.hpp"

namespace vigil::io {
namespace {

// ---- libmatio, wrapped once ---------------------------------------------------------------------

struct MatCloser {
  void operator()(mat_t* mat) const noexcept { Mat_Close(mat); }
};
struct VarFreer {
  void operator()(matvar_t* var) const noexcept { Mat_VarFree(var); }
};
using MatPtr = std::unique_ptr<mat_t, MatCloser>;
using VarPtr = std::unique_ptr<matvar_t, VarFreer>;

// libmatio reports problems through one process-wide log callback. We install ours once and keep
// the last message per thread, so an error can say what libmatio saw. (The only global state here.)
thread_local std::string t_matio_message;

void capture_matio_log(int level, char* message) {
  if ((level & (MATIO_LOG_LEVEL_ERROR | MATIO_LOG_LEVEL_CRITICAL)) != 0 && message != nullptr) {
    t_matio_message = message;
  }
}

void install_matio_log() {
  static std::once_flag once;
  std::call_once(once, [] { Mat_LogInitFunc("vigil", &capture_matio_log); });
  t_matio_message.clear();
}

std::string matio_detail() {
  return t_matio_message.empty() ? std::string() : fmt::format(" (libmatio: {})", t_matio_message);
}

// zlib cannot compress better than about 1032:1 (zlib technical details, deflate's best case),
// so a compressed element of B bytes inflates to at most ~1032 B bytes.
constexpr std::uint64_t k_zlib_max_ratio = 1032;
// Largest element count we let libmatio allocate for one variable (512 MiB as double).
constexpr std::uint64_t k_max_elements = k_max_input_bytes / sizeof(double);

using detail::k_mi_compressed;
using Element = detail::MatElement;

// Size limit and file type first, then the structural check of every byte (mat_v5_check.hpp).
Result<std::vector<Element>> check_layout(const std::filesystem::path& path) {
  const std::string file = path.string();
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) return fail(ErrorCode::not_found, "{}: no such file", file);
  if (!std::filesystem::is_regular_file(status)) return fail(ErrorCode::io, "{}: not a regular file", file);
  const std::uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return fail(ErrorCode::io, "{}: cannot get size: {}", file, ec.message());
  if (size > k_max_input_bytes) {
    return fail(ErrorCode::out_of_range, "{}: {} bytes, more than the {} byte input limit", file, size,
                k_max_input_bytes);
  }
  return detail::check_mat_v5(path);
}

// ---- variables as libmatio sees them ------------------------------------------------------------

std::string class_name(const matvar_t& v) {
  if (v.isLogical != 0) return "logical";
  switch (v.class_type) {
    case MAT_C_EMPTY:
      return "empty";
    case MAT_C_CELL:
      return "cell";
    case MAT_C_STRUCT:
      return "struct";
    case MAT_C_OBJECT:
      return "object";
    case MAT_C_CHAR:
      return "char";
    case MAT_C_SPARSE:
      return "sparse";
    case MAT_C_DOUBLE:
      return "double";
    case MAT_C_SINGLE:
      return "single";
    case MAT_C_INT8:
      return "int8";
    case MAT_C_UINT8:
      return "uint8";
    case MAT_C_INT16:
      return "int16";
    case MAT_C_UINT16:
      return "uint16";
    case MAT_C_INT32:
      return "int32";
    case MAT_C_UINT32:
      return "uint32";
    case MAT_C_INT64:
      return "int64";
    case MAT_C_UINT64:
      return "uint64";
    case MAT_C_FUNCTION:
      return "function";
    case MAT_C_OPAQUE:
      return "opaque";
  }
  return fmt::format("class {}", static_cast<int>(v.class_type));
}

bool is_numeric(const matvar_t& v) {
  return v.isLogical == 0 && v.class_type >= MAT_C_DOUBLE && v.class_type <= MAT_C_UINT64;
}

std::vector<std::size_t> dims_of(const matvar_t& v) {
  if (v.dims == nullptr || v.rank <= 0) return {};
  return {v.dims, v.dims + v.rank};
}

// Number of elements, or nullopt when it overflows.
std::optional<std::uint64_t> element_count(const matvar_t& v) {
  std::uint64_t n = 1;
  for (const std::size_t d : dims_of(v)) {
    if (d != 0 && n > std::numeric_limits<std::uint64_t>::max() / d) return std::nullopt;
    n *= d;
  }
  return v.dims == nullptr || v.rank <= 0 ? 0 : n;
}

std::string dims_text(const matvar_t& v) {
  const auto d = dims_of(v);
  return d.empty() ? std::string("?") : fmt::format("{}", fmt::join(d, "x"));
}

// The children libmatio read with the info of a struct or cell (fields x elements, or cells).
std::vector<const matvar_t*> children(const matvar_t& v) {
  std::vector<const matvar_t*> out;
  if ((v.class_type != MAT_C_STRUCT && v.class_type != MAT_C_CELL) || v.data == nullptr || v.data_size <= 0) {
    return out;
  }
  const std::size_t count = v.nbytes / static_cast<std::size_t>(v.data_size);
  auto* const* items = static_cast<matvar_t* const*>(v.data);
  for (std::size_t i = 0; i < count; ++i) {
    if (items[i] != nullptr) out.push_back(items[i]);
  }
  return out;
}

// Bounds every allocation libmatio will make for this variable by what its element can hold
// (one byte per value at least, times the zlib ratio when compressed): dims in outside bytes are
// never trusted. `budget` is shared by a struct's fields, which share the element's bytes.
Status check_declared_size(const std::string& file, const matvar_t& v, std::uint64_t& budget, int depth) {
  const std::string name = v.name != nullptr ? v.name : "(unnamed)";
  if (depth > 16)
    return fail(ErrorCode::unsupported, "{}: variable {} nests more than 16 levels", file, name);
  const auto n = element_count(v);
  // A sparse matrix stores its non-zeros only; libmatio allocates one column index per column.
  const std::uint64_t declared = v.class_type == MAT_C_SPARSE && v.rank >= 2 && v.dims != nullptr
                                     ? static_cast<std::uint64_t>(v.dims[1]) + 1
                                     : n.value_or(std::numeric_limits<std::uint64_t>::max());
  if (!n || declared > budget) {
    return fail(ErrorCode::parse,
                "{}: variable {} declares size {} ({} elements), more than its bytes can hold", file, name,
                dims_text(v), n ? fmt::format("{}", *n) : std::string("too many"));
  }
  budget -= declared;
  for (const matvar_t* c : children(v)) {
    if (auto ok = check_declared_size(file, *c, budget, depth + 1); !ok) return ok;
  }
  return {};
}

// A variable or struct field the readers can pick.
struct Leaf {
  std::string name;                 // "X105_DE_time" or "parent.field"
  std::size_t top = 0;              // index of the top-level variable
  std::vector<std::string> fields;  // path below it
  const matvar_t* info = nullptr;   // owned by OpenMat::infos
};

struct OpenMat {
  std::string file;
  MatPtr mat;
  std::vector<VarPtr> infos;  // one per top-level element, in file order
  std::vector<Leaf> leaves;
};

void collect_leaves(const matvar_t& v, std::size_t top, const std::string& name,
                    std::vector<std::string> path, int depth, std::vector<Leaf>& out) {
  out.push_back({name, top, path, &v});
  if (v.class_type != MAT_C_STRUCT || depth >= 4 || element_count(v) != 1) return;
  const unsigned nfields = Mat_VarGetNumberOfFields(const_cast<matvar_t*>(&v));
  char* const* names = Mat_VarGetStructFieldnames(&v);
  const auto kids = children(v);
  if (names == nullptr || kids.size() != nfields) return;
  for (unsigned i = 0; i < nfields; ++i) {
    if (names[i] == nullptr) continue;
    auto sub = path;
    sub.emplace_back(names[i]);
    collect_leaves(*kids[i], top, name + "." + names[i], std::move(sub), depth + 1, out);
  }
}

Result<OpenMat> open_mat(const std::filesystem::path& path) {
  OpenMat m;
  m.file = path.string();
  auto elements = check_layout(path);
  if (!elements) return std::unexpected(elements.error());

  install_matio_log();
  m.mat.reset(Mat_Open(m.file.c_str(), MAT_ACC_RDONLY));
  if (!m.mat) return fail(ErrorCode::parse, "{}: libmatio cannot open it{}", m.file, matio_detail());
  if (Mat_GetVersion(m.mat.get()) != MAT_FT_MAT5) {
    return fail(ErrorCode::unsupported, "{}: libmatio opened it as another MAT version than v5", m.file);
  }
  while (m.infos.size() <= elements->size()) {
    matvar_t* info = Mat_VarReadNextInfo(m.mat.get());
    if (info == nullptr) break;
    m.infos.emplace_back(info);
  }
  if (m.infos.size() != elements->size()) {
    if (elements->empty()) {
      return fail(ErrorCode::parse, "{}: libmatio found a variable where the file has none{}", m.file,
                  matio_detail());
    }
    const std::size_t k = std::min(m.infos.size(), elements->size() - 1);
    return fail(ErrorCode::parse, "{}: variable #{} (element at byte offset {}) is malformed{}", m.file,
                k + 1, (*elements)[k].offset, matio_detail());
  }
  for (std::size_t i = 0; i < m.infos.size(); ++i) {
    const matvar_t& v = *m.infos[i];
    const Element& e = (*elements)[i];
    if (v.name == nullptr || *v.name == '\0') {
      return fail(ErrorCode::parse, "{}: variable #{} (byte offset {}) has no name", m.file, i + 1, e.offset);
    }
    std::uint64_t budget =
        std::min(k_max_elements, e.type == k_mi_compressed ? e.bytes * k_zlib_max_ratio : e.bytes);
    if (auto ok = check_declared_size(m.file, v, budget, 0); !ok) return std::unexpected(ok.error());
    for (std::size_t j = 0; j < i; ++j) {
      if (std::string_view(m.infos[j]->name) == v.name) {
        return fail(ErrorCode::parse, "{}: variable {} appears twice", m.file, v.name);
      }
    }
    collect_leaves(v, i, v.name, {}, 0, m.leaves);
  }
  return m;
}

std::string leaf_names(const std::vector<Leaf>& leaves) {
  if (leaves.empty()) return "none";
  std::string out;
  for (const Leaf& l : leaves) out += (out.empty() ? "" : ", ") + l.name;
  return out;
}

// Checks what the info tells (class, complexity, shape) before any data is read.
Status check_numeric_info(const std::string& file, const Leaf& leaf, bool want_scalar) {
  const matvar_t& v = *leaf.info;
  if (!is_numeric(v)) {
    return fail(ErrorCode::unsupported, "{}: variable {} has class {}, expected numeric", file, leaf.name,
                class_name(v));
  }
  if (v.isComplex != 0) {
    return fail(ErrorCode::unsupported, "{}: variable {} is complex, expected real", file, leaf.name);
  }
  const std::uint64_t n = element_count(v).value_or(0);
  if (n == 0)
    return fail(ErrorCode::parse, "{}: variable {} is empty (size {})", file, leaf.name, dims_text(v));
  if (want_scalar) {
    if (n != 1)
      return fail(ErrorCode::parse, "{}: variable {} has size {}, expected 1x1", file, leaf.name,
                  dims_text(v));
    return {};
  }
  std::size_t non_singleton = 0;
  for (const std::size_t d : dims_of(v)) non_singleton += d != 1 ? 1 : 0;
  if (non_singleton > 1) {
    return fail(ErrorCode::parse, "{}: variable {} has size {}, expected a vector (1xN or Nx1)", file,
                leaf.name, dims_text(v));
  }
  return {};
}

// Bytes per element of the in-memory data libmatio returns for a numeric class.
std::size_t class_bytes(matio_classes c) {
  switch (c) {
    case MAT_C_DOUBLE:
    case MAT_C_INT64:
    case MAT_C_UINT64:
      return 8;
    case MAT_C_SINGLE:
    case MAT_C_INT32:
    case MAT_C_UINT32:
      return 4;
    case MAT_C_INT16:
    case MAT_C_UINT16:
      return 2;
    case MAT_C_INT8:
    case MAT_C_UINT8:
      return 1;
    default:
      return 0;
  }
}

template <typename T>
void append_as_double(const void* data, std::size_t n, std::vector<double>& out) {
  const T* p = static_cast<const T*>(data);
  for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<double>(p[i]));
}

// Reads the leaf's data (the whole top-level variable, then down its field path) as doubles.
Result<std::vector<double>> read_numeric(OpenMat& m, const Leaf& leaf, bool want_scalar) {
  if (auto ok = check_numeric_info(m.file, leaf, want_scalar); !ok) return std::unexpected(ok.error());
  install_matio_log();
  VarPtr top(Mat_VarRead(m.mat.get(), m.infos[leaf.top]->name));
  if (!top)
    return fail(ErrorCode::parse, "{}: variable {} cannot be read{}", m.file, leaf.name, matio_detail());
  const matvar_t* v = top.get();
  for (const std::string& field : leaf.fields) {
    v = Mat_VarGetStructFieldByName(const_cast<matvar_t*>(v), field.c_str(), 0);
    if (v == nullptr)
      return fail(ErrorCode::parse, "{}: variable {} cannot be read{}", m.file, leaf.name, matio_detail());
  }
  // The data must be what the info promised: same class, same count, enough bytes.
  const std::uint64_t n = element_count(*v).value_or(0);
  if (v->class_type != leaf.info->class_type || v->isComplex != 0 ||
      n != element_count(*leaf.info).value_or(0) || v->data == nullptr || v->data_size <= 0 ||
      v->nbytes / static_cast<std::size_t>(v->data_size) < n ||
      static_cast<std::size_t>(v->data_size) != class_bytes(v->class_type)) {
    return fail(ErrorCode::parse, "{}: variable {} holds fewer or other data than its header declares{}",
                m.file, leaf.name, matio_detail());
  }
  std::vector<double> out;
  out.reserve(static_cast<std::size_t>(n));
  const auto count = static_cast<std::size_t>(n);
  switch (v->class_type) {
    case MAT_C_DOUBLE:
      append_as_double<double>(v->data, count, out);
      break;
    case MAT_C_SINGLE:
      append_as_double<float>(v->data, count, out);
      break;
    case MAT_C_INT8:
      append_as_double<std::int8_t>(v->data, count, out);
      break;
    case MAT_C_UINT8:
      append_as_double<std::uint8_t>(v->data, count, out);
      break;
    case MAT_C_INT16:
      append_as_double<std::int16_t>(v->data, count, out);
      break;
    case MAT_C_UINT16:
      append_as_double<std::uint16_t>(v->data, count, out);
      break;
    case MAT_C_INT32:
      append_as_double<std::int32_t>(v->data, count, out);
      break;
    case MAT_C_UINT32:
      append_as_double<std::uint32_t>(v->data, count, out);
      break;
    case MAT_C_INT64:
      append_as_double<std::int64_t>(v->data, count, out);
      break;
    case MAT_C_UINT64:
      append_as_double<std::uint64_t>(v->data, count, out);
      break;
    default:
      return fail(ErrorCode::internal, "{}: variable {}: unexpected class", m.file, leaf.name);
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!std::isfinite(out[i])) {
      return fail(ErrorCode::parse, "{}: variable {} has a non-finite value ({}) at element {}", m.file,
                  leaf.name, out[i], i + 1);
    }
  }
  return out;
}

std::string_view leaf_tail(std::string_view name) {
  const std::size_t dot = name.rfind('.');
  return dot == std::string_view::npos ? name : name.substr(dot + 1);
}

// The last run of digits in `s` ("X098" -> "98"; leading zeros dropped), or "" when none.
std::string last_number(std::string_view s) {
  std::size_t end = s.size();
  while (end > 0 && !(s[end - 1] >= '0' && s[end - 1] <= '9')) --end;
  std::size_t begin = end;
  while (begin > 0 && s[begin - 1] >= '0' && s[begin - 1] <= '9') --begin;
  while (begin + 1 < end && s[begin] == '0') ++begin;
  return std::string(s.substr(begin, end - begin));
}

bool is_channel_variable(std::string_view name, std::string_view channel) {
  const std::string_view tail = leaf_tail(name);
  const std::string bare = fmt::format("{}_time", channel);
  return tail == bare ||
         (tail.size() > bare.size() && tail.ends_with(bare) && tail[tail.size() - bare.size() - 1] == '_');
}

// The number a CWRU name carries before its suffix: X098_DE_time -> 98, X099RPM -> 99.
std::string variable_number(std::string_view name, std::size_t suffix_chars) {
  return last_number(name.substr(0, name.size() - std::min(suffix_chars, name.size())));
}

Status check_variable_name(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 63 &&
            ((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z'));
  for (const char c : name) {
    ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  }
  if (!ok) {
    return fail(ErrorCode::invalid_argument,
                "'{}' is not a MATLAB variable name (letter first, then letters, digits, '_', at most 63)",
                name);
  }
  return {};
}

}  // namespace

Result<std::vector<MatVariable>> list_mat_variables(const std::filesystem::path& path) {
  auto m = open_mat(path);
  if (!m) return std::unexpected(m.error());
  std::vector<MatVariable> out;
  for (const Leaf& l : m->leaves) {
    out.push_back({l.name, class_name(*l.info), dims_of(*l.info), l.info->isComplex != 0});
  }
  return out;
}

Result<std::vector<double>> read_mat_vector(const std::filesystem::path& path, std::string_view name) {
  auto m = open_mat(path);
  if (!m) return std::unexpected(m.error());
  for (const Leaf& l : m->leaves) {
    if (l.name == name) return read_numeric(*m, l, false);
  }
  return fail(ErrorCode::not_found, "{}: no variable {} (variables: {})", m->file, name,
              leaf_names(m->leaves));
}

Result<Recording> read_cwru_mat(const std::filesystem::path& path, const MatReadOptions& options) {
  auto opened = open_mat(path);
  if (!opened) return std::unexpected(opened.error());
  OpenMat& m = *opened;
  std::vector<Leaf> leaves;
  for (const Leaf& l : m.leaves) {
    if (l.name.starts_with(options.prefix)) leaves.push_back(l);
  }
  const std::string scope = options.prefix.empty() ? "" : fmt::format(" starting with {}", options.prefix);

  Recording rec;
  rec.source = m.file;
  rec.sample_rate_hz = options.sample_rate_hz;

  // Speed: the variable ending in RPM.
  std::vector<const Leaf*> rpm;
  for (const Leaf& l : leaves) {
    if (leaf_tail(l.name).ends_with("RPM")) rpm.push_back(&l);
  }
  if (rpm.size() > 1) {
    std::string names;
    for (const Leaf* l : rpm) names += (names.empty() ? "" : ", ") + l->name;
    return fail(ErrorCode::invalid_argument,
                "{}: several variables{} end in RPM ({}); choose one with the prefix option", m.file, scope,
                names);
  }
  std::string rpm_number;
  if (rpm.size() == 1) {
    auto value = read_numeric(m, *rpm.front(), true);
    if (!value) return std::unexpected(value.error());
    if (!(value->front() > 0.0)) {
      return fail(ErrorCode::out_of_range, "{}: variable {} is {} rpm, expected > 0", m.file,
                  rpm.front()->name, value->front());
    }
    rec.speed_rpm = value->front();
    rpm_number = variable_number(rpm.front()->name, 3);
  }

  const bool all = options.channels.empty();
  const std::vector<std::string> wanted = all ? std::vector<std::string>{"DE", "FE", "BA"} : options.channels;
  for (const std::string& channel : wanted) {
    std::vector<const Leaf*> candidates;
    for (const Leaf& l : leaves) {
      if (is_channel_variable(l.name, channel)) candidates.push_back(&l);
    }
    if (candidates.size() > 1 && !rpm_number.empty()) {
      std::vector<const Leaf*> matching;
      for (const Leaf* l : candidates) {
        if (variable_number(l->name, channel.size() + 5) == rpm_number) matching.push_back(l);
      }
      if (matching.size() == 1) candidates = matching;
    }
    if (candidates.empty()) {
      if (all) continue;
      return fail(ErrorCode::not_found,
                  "{}: no variable{} named {}_time or ending in _{}_time (variables: {})", m.file, scope,
                  channel, channel, leaf_names(m.leaves));
    }
    if (candidates.size() > 1) {
      std::string names;
      for (const Leaf* l : candidates) names += (names.empty() ? "" : ", ") + l->name;
      return fail(ErrorCode::invalid_argument,
                  "{}: {} variables{} end in _{}_time ({}) and {}; choose one with the prefix option", m.file,
                  candidates.size(), scope, channel, names,
                  rpm.empty() ? std::string("there is no RPM variable to match")
                              : fmt::format("not exactly one matches the number of {}", rpm.front()->name));
    }
    auto values = read_numeric(m, *candidates.front(), false);
    if (!values) return std::unexpected(values.error());
    Channel ch{channel, {}};
    ch.samples.reserve(values->size());
    for (const double x : *values) {
      if (std::fabs(x) > static_cast<double>(std::numeric_limits<float>::max())) {
        return fail(ErrorCode::out_of_range, "{}: variable {} has a value ({}) outside the float range",
                    m.file, candidates.front()->name, x);
      }
      ch.samples.push_back(static_cast<float>(x));
    }
    if (!rec.channels.empty() && ch.samples.size() != rec.sample_count()) {
      return fail(ErrorCode::parse, "{}: channel {} has {} samples, channel {} has {}", m.file, channel,
                  ch.samples.size(), rec.channels.front().name, rec.sample_count());
    }
    rec.channels.push_back(std::move(ch));
  }
  if (rec.channels.empty()) {
    return fail(ErrorCode::not_found,
                "{}: no variable{} ending in _DE_time, _FE_time or _BA_time (variables: {})", m.file, scope,
                leaf_names(m.leaves));
  }
  return rec;
}

Status write_cwru_mat(const std::filesystem::path& path, const Recording& recording, std::string_view prefix,
                      MatCompression compression) {
  const std::string file = path.string();
  if (auto ok = check_variable_name(fmt::format("{}RPM", prefix)); !ok)
    return std::unexpected(ok.error().with_context(file));
  if (recording.channels.empty())
    return fail(ErrorCode::invalid_argument, "{}: recording has no channels", file);
  for (const Channel& c : recording.channels) {
    if (auto ok = check_variable_name(fmt::format("{}_{}_time", prefix, c.name)); !ok) {
      return std::unexpected(ok.error().with_context(file));
    }
  }
  const std::filesystem::path temp = path.string() + ".partial";
  const auto cleanup_fail = [&](std::string_view what) {
    std::error_code ec;
    std::filesystem::remove(temp, ec);
    return fail(ErrorCode::io, "{}: {}{}", file, what, matio_detail());
  };
  install_matio_log();
  {
    MatPtr mat(Mat_CreateVer(temp.string().c_str(), nullptr, MAT_FT_MAT5));
    if (!mat) return cleanup_fail("cannot create");
    const matio_compression z =
        compression == MatCompression::zlib ? MAT_COMPRESSION_ZLIB : MAT_COMPRESSION_NONE;
    std::vector<double> data;
    for (const Channel& c : recording.channels) {
      data.assign(c.samples.begin(), c.samples.end());
      std::array<std::size_t, 2> dims = {data.size(), 1};
      const std::string name = fmt::format("{}_{}_time", prefix, c.name);
      VarPtr var(Mat_VarCreate(name.c_str(), MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims.data(), data.data(),
                               MAT_F_DONT_COPY_DATA));
      if (!var || Mat_VarWrite(mat.get(), var.get(), z) != 0)
        return cleanup_fail(fmt::format("cannot write {}", name));
    }
    if (recording.speed_rpm) {
      const std::string name = fmt::format("{}RPM", prefix);
      std::array<std::size_t, 2> dims = {1, 1};
      double rpm_value = *recording.speed_rpm;
      VarPtr var(Mat_VarCreate(name.c_str(), MAT_C_DOUBLE, MAT_T_DOUBLE, 2, dims.data(), &rpm_value,
                               MAT_F_DONT_COPY_DATA));
      if (!var || Mat_VarWrite(mat.get(), var.get(), z) != 0)
        return cleanup_fail(fmt::format("cannot write {}", name));
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) return cleanup_fail(fmt::format("cannot rename from {}: {}", temp.string(), ec.message()));
  return {};
}

}  // namespace vigil::io
