#include "io/mat_v5_check.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <limits>
#include <string>
#include <system_error>

#include <zlib.h>

#include "io/recording.hpp"

namespace vigil::io::detail {
namespace {

// Reference: MathWorks, "MAT-File Format" (Level 5 MAT-files), sections "Data Element Format"
// (tags, the small data element format, 8-byte alignment) and "miMATRIX Format" (array flags,
// dimensions, name, then per class: real/imaginary parts; sparse ir/jc/pr/pi; struct field name
// length, field names, one miMATRIX per field and element; cell one miMATRIX per element).

constexpr std::size_t k_header_bytes = 128;
constexpr int k_max_depth = 16;

enum MiType : std::uint32_t {
  mi_int8 = 1,
  mi_uint8 = 2,
  mi_int16 = 3,
  mi_uint16 = 4,
  mi_int32 = 5,
  mi_uint32 = 6,
  mi_single = 7,
  mi_double = 9,
  mi_int64 = 12,
  mi_uint64 = 13,
  mi_utf8 = 16,
  mi_utf16 = 17,
  mi_utf32 = 18,
};

enum MxClass : std::uint32_t {
  mx_cell = 1,
  mx_struct = 2,
  mx_object = 3,
  mx_char = 4,
  mx_sparse = 5,
  mx_double = 6,
  mx_uint64 = 15,
  mx_function = 16,
  mx_opaque = 17,
};

// Bytes per value of a numeric or character data type; 0 for anything else.
std::size_t type_bytes(std::uint32_t type) {
  switch (type) {
    case mi_int8:
    case mi_uint8:
    case mi_utf8:
      return 1;
    case mi_int16:
    case mi_uint16:
    case mi_utf16:
      return 2;
    case mi_int32:
    case mi_uint32:
    case mi_single:
    case mi_utf32:
      return 4;
    case mi_double:
    case mi_int64:
    case mi_uint64:
      return 8;
    default:
      return 0;
  }
}

std::uint32_t load_u32(const unsigned char* p, bool big_endian) {
  return big_endian
             ? (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3]
             : (std::uint32_t{p[3]} << 24) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[1]} << 8) | p[0];
}

struct Sub {
  std::uint32_t type = 0;
  std::string_view data;
};

// Walks the sub-elements of one miMATRIX body.
class Reader {
 public:
  Reader(std::string_view bytes, bool big_endian) : bytes_(bytes), big_(big_endian) {}

  bool at_end() const { return pos_ >= bytes_.size(); }
  std::size_t remaining() const { return bytes_.size() - std::min(pos_, bytes_.size()); }

  // The next sub-element, in the normal (8-byte tag) or the small (4-byte tag, data <= 4 bytes
  // in the same 8 bytes) format. Padding to 8 bytes may be cut short at the very end.
  Result<Sub> next(std::string_view what) {
    if (remaining() < 8) {
      return fail(ErrorCode::parse, "{}: {} bytes left, a {} needs at least 8", what, remaining(), what);
    }
    const auto* p = reinterpret_cast<const unsigned char*>(bytes_.data() + pos_);
    const std::uint32_t first = load_u32(p, big_);
    Sub s;
    if ((first >> 16) != 0) {  // small data element
      s.type = first & 0xffffu;
      const std::uint32_t n = first >> 16;
      if (n > 4) return fail(ErrorCode::parse, "{}: small element declares {} bytes, at most 4 fit", what, n);
      s.data = bytes_.substr(pos_ + 4, n);
      pos_ += 8;
      return s;
    }
    s.type = first;
    const std::uint64_t n = load_u32(p + 4, big_);
    if (n > remaining() - 8) {
      return fail(ErrorCode::parse, "{}: declares {} bytes, {} remain", what, n, remaining() - 8);
    }
    s.data = bytes_.substr(pos_ + 8, static_cast<std::size_t>(n));
    pos_ += 8 + static_cast<std::size_t>((n + 7) / 8 * 8);
    return s;
  }

  bool big_endian() const { return big_; }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
  bool big_;
};

Status check_matrix(std::string_view body, bool big, const std::string& context, int depth);

// The miMATRIX sub-elements that a struct or cell carries (`count` of them).
Status check_children(Reader& r, std::uint64_t count, const std::string& context, int depth) {
  // Each child needs at least an 8-byte tag: more children than that cannot be present.
  if (count > r.remaining() / 8) {
    return fail(ErrorCode::parse, "{}: declares {} fields/cells, the {} bytes left hold at most {}", context,
                count, r.remaining(), r.remaining() / 8);
  }
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::string child = fmt::format("{}, item {}", context, i + 1);
    auto sub = r.next("miMATRIX");
    if (!sub) return std::unexpected(sub.error().with_context(child));
    if (sub->type != k_mi_matrix) {
      return fail(ErrorCode::parse, "{}: type {}, expected miMATRIX (14)", child, sub->type);
    }
    if (auto ok = check_matrix(sub->data, r.big_endian(), child, depth + 1); !ok) return ok;
  }
  return {};
}

Status check_matrix(std::string_view body, bool big, const std::string& context, int depth) {
  if (depth > k_max_depth)
    return fail(ErrorCode::unsupported, "{}: nested more than {} levels", context, k_max_depth);
  if (body.empty()) return {};  // an empty miMATRIX stands for [] (writers use it for unset fields)
  Reader r(body, big);

  auto flags = r.next("array flags");
  if (!flags) return std::unexpected(flags.error().with_context(context));
  if (flags->type != mi_uint32 || flags->data.size() != 8) {
    return fail(ErrorCode::parse, "{}: array flags have type {} and {} bytes, expected miUINT32 (6) and 8",
                context, flags->type, flags->data.size());
  }
  const std::uint32_t flag_word = load_u32(reinterpret_cast<const unsigned char*>(flags->data.data()), big);
  const std::uint32_t cls = flag_word & 0xffu;
  const bool complex = (flag_word & 0x0800u) != 0;

  auto dims = r.next("dimensions");
  if (!dims) return std::unexpected(dims.error().with_context(context));
  if (dims->type != mi_int32 || dims->data.size() < 8 || dims->data.size() % 4 != 0) {
    return fail(ErrorCode::parse,
                "{}: dimensions have type {} and {} bytes, expected miINT32 with 2 or more values", context,
                dims->type, dims->data.size());
  }
  std::uint64_t numel = 1;
  std::uint64_t columns = 0;
  for (std::size_t i = 0; i < dims->data.size(); i += 4) {
    const auto d = static_cast<std::int32_t>(
        load_u32(reinterpret_cast<const unsigned char*>(dims->data.data() + i), big));
    if (d < 0) return fail(ErrorCode::parse, "{}: negative dimension {}", context, d);
    if (i == 4) columns = static_cast<std::uint64_t>(d);
    // Dimensions are < 2^31 each; saturate instead of overflowing, the checks below reject it.
    const auto du = static_cast<std::uint64_t>(d);
    numel = du != 0 && numel > std::numeric_limits<std::uint64_t>::max() / du
                ? std::numeric_limits<std::uint64_t>::max()
                : numel * du;
  }

  auto name = r.next("array name");
  if (!name) return std::unexpected(name.error().with_context(context));
  if (name->type != mi_int8 && name->type != mi_uint8) {
    return fail(ErrorCode::parse, "{}: array name has type {}, expected miINT8 (1)", context, name->type);
  }
  const std::string where =
      name->data.empty() ? context
                         : fmt::format("{} ({})", context,
                                       name->data.substr(0, std::min<std::size_t>(name->data.size(), 64)));

  if (cls == mx_char || (cls >= mx_double && cls <= mx_uint64)) {
    for (int part = 0; part < (complex ? 2 : 1); ++part) {
      const char* what = part == 0 ? "real part" : "imaginary part";
      auto data = r.next(what);
      if (!data) return std::unexpected(data.error().with_context(where));
      const std::size_t size = type_bytes(data->type);
      if (size == 0)
        return fail(ErrorCode::parse, "{}: {} has data type {}, not a numeric type", where, what, data->type);
      // libmatio allocates numel values of the class; the stored bytes must hold them all.
      if (numel > data->data.size() / size) {
        return fail(ErrorCode::parse, "{}: {} holds {} bytes, its size needs {} values of {} bytes", where,
                    what, data->data.size(), numel, size);
      }
    }
    return {};
  }
  if (cls == mx_sparse) {
    // ir, jc, then real (and imaginary) data; libmatio sizes each from its byte count, and
    // allocates one column index per column plus one.
    std::size_t jc_bytes = 0;
    for (const char* what : {"row indices", "column indices", "real part"}) {
      auto sub = r.next(what);
      if (!sub) return std::unexpected(sub.error().with_context(where));
      if (type_bytes(sub->type) == 0)
        return fail(ErrorCode::parse, "{}: {} have data type {}", where, what, sub->type);
      if (std::string_view(what) == "column indices") jc_bytes = sub->data.size();
    }
    if (columns + 1 > jc_bytes / 4) {
      return fail(ErrorCode::parse, "{}: sparse with {} columns has {} bytes of column indices", where,
                  columns, jc_bytes);
    }
    if (complex) {
      auto im = r.next("imaginary part");
      if (!im) return std::unexpected(im.error().with_context(where));
    }
    return {};
  }
  if (cls == mx_struct) {
    auto len = r.next("field name length");
    if (!len) return std::unexpected(len.error().with_context(where));
    if (len->type != mi_int32 || len->data.size() != 4) {
      return fail(ErrorCode::parse, "{}: field name length has type {} and {} bytes, expected miINT32 and 4",
                  where, len->type, len->data.size());
    }
    const auto field_len =
        static_cast<std::int32_t>(load_u32(reinterpret_cast<const unsigned char*>(len->data.data()), big));
    if (field_len <= 0 || field_len > 4096) {
      return fail(ErrorCode::parse, "{}: field name length {} (expected 1 to 4096)", where, field_len);
    }
    auto names = r.next("field names");
    if (!names) return std::unexpected(names.error().with_context(where));
    if ((names->type != mi_int8 && names->type != mi_uint8) ||
        names->data.size() % static_cast<std::size_t>(field_len) != 0) {
      return fail(ErrorCode::parse, "{}: field names have type {} and {} bytes, not a multiple of {}", where,
                  names->type, names->data.size(), field_len);
    }
    const std::uint64_t fields = names->data.size() / static_cast<std::size_t>(field_len);
    if (fields != 0 && numel > std::numeric_limits<std::uint64_t>::max() / fields) {
      return fail(ErrorCode::parse, "{}: struct size overflows", where);
    }
    return check_children(r, numel * fields, where, depth);
  }
  if (cls == mx_cell) return check_children(r, numel, where, depth);
  if (cls == mx_object || cls == mx_function || cls == mx_opaque) {
    return fail(ErrorCode::unsupported, "{}: class {} (object, function handle or opaque) is not supported",
                where, cls);
  }
  if (cls == 0) return {};  // mxEMPTY
  return fail(ErrorCode::parse, "{}: unknown array class {}", where, cls);
}

// Inflates a miCOMPRESSED element (a zlib stream) with a cap on the output size.
Result<std::string> inflate_element(std::string_view compressed, const std::string& context) {
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return fail(ErrorCode::internal, "{}: zlib inflateInit failed", context);
  std::string out;
  std::array<char, 1 << 16> chunk{};
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = static_cast<uInt>(compressed.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(chunk.data());
    z.avail_out = static_cast<uInt>(chunk.size());
    rc = inflate(&z, Z_NO_FLUSH);
    const std::size_t produced = chunk.size() - z.avail_out;
    if (out.size() + produced > k_max_input_bytes) {
      inflateEnd(&z);
      return fail(ErrorCode::out_of_range, "{}: inflates to more than {} bytes", context, k_max_input_bytes);
    }
    out.append(chunk.data(), produced);
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // input ended before the stream did
  }
  const bool complete = rc == Z_STREAM_END;
  const std::string why = z.msg != nullptr ? z.msg : (complete ? "" : "stream ends early");
  inflateEnd(&z);
  if (!complete) return fail(ErrorCode::parse, "{}: corrupt or truncated zlib stream ({})", context, why);
  return out;
}

}  // namespace

Status check_mat_matrix(std::string_view body, bool big_endian, std::string_view context) {
  return check_matrix(body, big_endian, std::string(context), 0);
}

Result<std::vector<MatElement>> check_mat_v5(const std::filesystem::path& path) {
  const std::string file = path.string();
  std::error_code ec;
  const std::uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return fail(ErrorCode::io, "{}: cannot get size: {}", file, ec.message());
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::io, "{}: cannot open for reading", file);
  const auto read_at = [&](std::uint64_t offset, char* out, std::size_t n) {
    in.clear();
    in.seekg(static_cast<std::streamoff>(offset));
    in.read(out, static_cast<std::streamsize>(n));
    return static_cast<std::size_t>(in.gcount()) == n;
  };

  std::array<char, k_header_bytes> header{};
  const auto header_read = static_cast<std::size_t>(std::min<std::uint64_t>(size, k_header_bytes));
  if (!read_at(0, header.data(), header_read)) return fail(ErrorCode::io, "{}: cannot read the header", file);
  constexpr std::string_view signature = "MATLAB 5.0 MAT-file";
  const bool has_signature =
      header_read >= signature.size() && std::string_view(header.data(), signature.size()) == signature;
  if (size < k_header_bytes) {
    if (has_signature) {
      return fail(ErrorCode::parse, "{}: truncated: {} bytes, shorter than the 128-byte MAT v5 header", file,
                  size);
    }
    return fail(ErrorCode::parse, "{}: not a MAT file ({} bytes, shorter than a MAT v5 header)", file, size);
  }
  // Endian indicator "IM" as written by a little-endian machine, "MI" by a big-endian one.
  bool big = false;
  if (header[126] == 'I' && header[127] == 'M') {
    big = false;
  } else if (header[126] == 'M' && header[127] == 'I') {
    big = true;
  } else {
    return fail(ErrorCode::parse, "{}: not a MAT v5 file (no 'IM'/'MI' endian mark at bytes 126-127{})", file,
                has_signature ? "" : "; MAT v4 files are not supported");
  }
  const auto h = reinterpret_cast<const unsigned char*>(header.data());
  const unsigned version = big ? (unsigned{h[124]} << 8) | h[125] : (unsigned{h[125]} << 8) | h[124];
  if (version == 0x0200) {
    return fail(ErrorCode::unsupported, "{}: MAT v7.3 (HDF5) file; save it with -v7 or -v6 to read it here",
                file);
  }
  if (version != 0x0100) {
    return fail(ErrorCode::parse, "{}: not a MAT v5 file (version 0x{:04x}, expected 0x0100)", file, version);
  }

  std::vector<MatElement> elements;
  std::string body;
  std::uint64_t offset = k_header_bytes;
  while (offset < size) {
    const std::uint64_t remaining = size - offset;
    std::array<char, 8> tag{};
    if (remaining < tag.size()) {
      if (!read_at(offset, tag.data(), static_cast<std::size_t>(remaining))) {
        return fail(ErrorCode::io, "{}: cannot read at byte offset {}", file, offset);
      }
      if (std::all_of(tag.begin(), tag.begin() + static_cast<std::ptrdiff_t>(remaining),
                      [](char c) { return c == 0; })) {
        break;  // zero padding after the last element
      }
      return fail(ErrorCode::parse, "{}: truncated: {} bytes of an element tag at byte offset {}, expected 8",
                  file, remaining, offset);
    }
    if (!read_at(offset, tag.data(), tag.size()))
      return fail(ErrorCode::io, "{}: cannot read at byte offset {}", file, offset);
    const auto t = reinterpret_cast<const unsigned char*>(tag.data());
    MatElement e{offset, load_u32(t, big), load_u32(t + 4, big)};
    const std::string context =
        fmt::format("{}: element #{} at byte offset {}", file, elements.size() + 1, offset);
    if (e.type != k_mi_matrix && e.type != k_mi_compressed) {
      return fail(ErrorCode::parse, "{} has type {}, expected miMATRIX (14) or miCOMPRESSED (15)", context,
                  e.type);
    }
    if (e.bytes > remaining - tag.size()) {
      return fail(ErrorCode::parse,
                  "{}: truncated: element #{} at byte offset {} declares {} bytes, {} remain", file,
                  elements.size() + 1, offset, e.bytes, remaining - tag.size());
    }
    body.resize(static_cast<std::size_t>(e.bytes));
    if (!read_at(offset + tag.size(), body.data(), body.size())) {
      return fail(ErrorCode::io, "{}: cannot read {} bytes at byte offset {}", file, e.bytes,
                  offset + tag.size());
    }
    if (e.type == k_mi_matrix) {
      if (auto ok = check_matrix(body, big, context, 0); !ok) return std::unexpected(ok.error());
    } else {
      auto inflated = inflate_element(body, context);
      if (!inflated) return std::unexpected(inflated.error());
      // A compressed element holds exactly one miMATRIX element.
      Reader r(*inflated, big);
      auto inner = r.next("compressed miMATRIX");
      if (!inner) return std::unexpected(inner.error().with_context(context));
      if (inner->type != k_mi_matrix) {
        return fail(ErrorCode::parse, "{}: compressed data holds type {}, expected miMATRIX (14)", context,
                    inner->type);
      }
      if (auto ok = check_matrix(inner->data, big, context, 0); !ok) return std::unexpected(ok.error());
    }
    elements.push_back(e);
    offset += tag.size() + e.bytes;
  }
  return elements;
}

}  // namespace vigil::io::detail
