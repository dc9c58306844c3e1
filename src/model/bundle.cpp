#include "model/bundle.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <exception>
#include <limits>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include <fcntl.h>
#include <fmt/core.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vigil::model {
namespace {

// ---------------------------------------------------------------------------------------------------
// SHA-256 (FIPS 180-4) through OpenSSL's one-shot EVP digest, as lower-case hex.
std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length != 32)
    return {};
  std::string hex;
  hex.reserve(64);
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

bool is_sha256_hex(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Member names stay portable and harmless when someone runs `tar xf`: no directories, no hidden files,
// nothing a shell or a file system treats specially.
bool is_valid_member_name(std::string_view name) {
  if (name.empty() || name.size() > 99 || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

// ---------------------------------------------------------------------------------------------------
// created_at: ISO 8601 UTC, exactly "YYYY-MM-DDTHH:MM:SSZ".
std::string now_iso8601_utc() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  std::array<char, 32> text{};
  const std::size_t n = std::strftime(text.data(), text.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(text.data(), n);
}

// Seconds since the Unix epoch, or an error when the text is not the exact form above.
Result<std::int64_t> parse_iso8601_utc(std::string_view text) {
  constexpr std::string_view pattern = "dddd-dd-ddTdd:dd:ddZ";
  bool shape_ok = text.size() == pattern.size();
  for (std::size_t i = 0; shape_ok && i < pattern.size(); ++i) {
    shape_ok = pattern[i] == 'd' ? (text[i] >= '0' && text[i] <= '9') : text[i] == pattern[i];
  }
  if (!shape_ok)
    return fail(ErrorCode::parse, "created_at '{}' is not ISO 8601 UTC (YYYY-MM-DDTHH:MM:SSZ)", text);
  const auto number = [&](std::size_t at, std::size_t digits) {
    int v = 0;
    for (std::size_t i = at; i < at + digits; ++i) v = v * 10 + (text[i] - '0');
    return v;
  };
  std::tm t{};
  t.tm_year = number(0, 4) - 1900;
  t.tm_mon = number(5, 2) - 1;
  t.tm_mday = number(8, 2);
  t.tm_hour = number(11, 2);
  t.tm_min = number(14, 2);
  t.tm_sec = number(17, 2);
  const std::tm asked = t;
  const std::time_t epoch = timegm(&t);
  // timegm normalises out-of-range fields (Feb 30 → Mar 2); a changed field means the date was invalid.
  if (t.tm_year != asked.tm_year || t.tm_mon != asked.tm_mon || t.tm_mday != asked.tm_mday ||
      t.tm_hour != asked.tm_hour || t.tm_min != asked.tm_min || t.tm_sec != asked.tm_sec || epoch < 0) {
    return fail(ErrorCode::parse, "created_at '{}' is not a valid date and time", text);
  }
  return static_cast<std::int64_t>(epoch);
}

// ---------------------------------------------------------------------------------------------------
// POSIX ustar (IEEE Std 1003.1-2017, pax "ustar Interchange Format"): a 512-byte header per file, the
// data padded to 512 bytes, and two zero blocks at the end.
constexpr std::size_t k_block = 512;

struct UstarField {
  std::size_t offset;
  std::size_t length;
};
constexpr UstarField k_name{0, 100}, k_mode{100, 8}, k_uid{108, 8}, k_gid{116, 8}, k_size{124, 12},
    k_mtime{136, 12}, k_chksum{148, 8}, k_typeflag{156, 1}, k_magic{257, 6}, k_version{263, 2},
    k_uname{265, 32}, k_gname{297, 32}, k_devmajor{329, 8}, k_devminor{337, 8}, k_prefix{345, 155};

std::size_t padded(std::size_t n) { return (n + k_block - 1) / k_block * k_block; }

void put(std::string& block, UstarField f, std::string_view value) {
  std::copy_n(value.data(), std::min(value.size(), f.length),
              block.begin() + static_cast<std::ptrdiff_t>(f.offset));
}

// Octal, zero-padded to length - 1 digits, NUL-terminated (the ustar numeric field form).
void put_octal(std::string& block, UstarField f, std::uint64_t value) {
  put(block, f, fmt::format("{:0{}o}", value, f.length - 1));
}

// Header checksum: the sum of all 512 header bytes as unsigned values, the checksum field counted as
// eight spaces.
std::uint64_t header_checksum(std::string_view block) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < k_block; ++i) {
    const bool in_chksum = i >= k_chksum.offset && i < k_chksum.offset + k_chksum.length;
    sum += in_chksum ? static_cast<unsigned char>(' ') : static_cast<unsigned char>(block[i]);
  }
  return sum;
}

void append_member(std::string& out, std::string_view name, std::string_view data, std::int64_t mtime_s) {
  std::string header(k_block, '\0');
  put(header, k_name, name);
  put(header, k_mode, "0000644");
  put_octal(header, k_uid, 0);
  put_octal(header, k_gid, 0);
  put_octal(header, k_size, data.size());
  put_octal(header, k_mtime, static_cast<std::uint64_t>(mtime_s));
  put(header, k_typeflag, "0");
  put(header, k_magic, std::string_view("ustar\0", 6));
  put(header, k_version, "00");
  put(header, k_uname, "vigil");
  put(header, k_gname, "vigil");
  put_octal(header, k_devmajor, 0);
  put_octal(header, k_devminor, 0);
  // Six octal digits, NUL, space: the form tar itself writes.
  put(header, k_chksum, fmt::format("{:06o}", header_checksum(header)));
  header[k_chksum.offset + 6] = '\0';
  header[k_chksum.offset + 7] = ' ';
  out += header;
  out += data;
  out.append(padded(data.size()) - data.size(), '\0');
}

std::string_view field(std::string_view block, UstarField f) { return block.substr(f.offset, f.length); }

// A NUL-terminated (or full-width) text field.
std::string_view text_field(std::string_view block, UstarField f) {
  const std::string_view raw = field(block, f);
  return raw.substr(0, std::min(raw.find('\0'), raw.size()));
}

// An octal numeric field: optional leading spaces, octal digits, then only NULs or spaces.
std::optional<std::uint64_t> octal_field(std::string_view block, UstarField f) {
  const std::string_view raw = field(block, f);
  std::size_t i = 0;
  while (i < raw.size() && raw[i] == ' ') ++i;
  std::uint64_t value = 0;
  std::size_t digits = 0;
  for (; i < raw.size() && raw[i] >= '0' && raw[i] <= '7'; ++i, ++digits) {
    if (value > (std::numeric_limits<std::uint64_t>::max() >> 3)) return std::nullopt;
    value = value * 8 + static_cast<std::uint64_t>(raw[i] - '0');
  }
  if (digits == 0) return std::nullopt;
  for (; i < raw.size(); ++i) {
    if (raw[i] != '\0' && raw[i] != ' ') return std::nullopt;
  }
  return value;
}

bool all_zero(std::string_view bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c == '\0'; });
}

struct ArchiveEntry {
  std::string name;
  std::string_view data;
};

// Splits the archive into regular-file entries; every structural defect is an error with its offset.
Result<std::vector<ArchiveEntry>> read_ustar(std::string_view bytes) {
  std::vector<ArchiveEntry> entries;
  std::size_t at = 0;
  while (true) {
    if (at + k_block > bytes.size()) {
      return fail(ErrorCode::parse,
                  "truncated: the archive ends at byte {} without its end-of-archive marker", bytes.size());
    }
    const std::string_view header = bytes.substr(at, k_block);
    if (all_zero(header)) {
      if (at + 2 * k_block > bytes.size()) {
        return fail(ErrorCode::parse,
                    "truncated: the end-of-archive marker at byte {} is one zero block, expected two", at);
      }
      if (!all_zero(bytes.substr(at + k_block, k_block))) {
        return fail(ErrorCode::parse,
                    "corrupt: a zero block at byte {} is followed by data (damaged tar header?)", at);
      }
      if (!all_zero(bytes.substr(at + 2 * k_block))) {
        return fail(ErrorCode::parse, "corrupt: data after the end-of-archive marker at byte {}", at);
      }
      return entries;
    }
    const auto stored = octal_field(header, k_chksum);
    const std::uint64_t computed = header_checksum(header);
    if (!stored || *stored != computed) {
      return fail(ErrorCode::parse,
                  "corrupt tar header at byte {}: checksum {} does not match the header's {}", at,
                  stored ? fmt::format("{}", *stored) : std::string("(unreadable)"), computed);
    }
    const std::string_view magic = field(header, k_magic);
    if (magic != std::string_view("ustar\0", 6) && magic != std::string_view("ustar ", 6)) {
      return fail(ErrorCode::parse, "tar header at byte {} is not ustar (magic missing)", at);
    }
    const std::string name(text_field(header, k_name));
    const char type = header[k_typeflag.offset];
    if (type != '0' && type != '\0') {
      return fail(ErrorCode::unsupported,
                  "archive entry '{}' at byte {} has tar type '{}': only regular files belong in a bundle",
                  name, at, type);
    }
    if (!text_field(header, k_prefix).empty() || !is_valid_member_name(name)) {
      return fail(ErrorCode::parse,
                  "archive entry at byte {} has an invalid name '{}' (1-99 of [A-Za-z0-9._-], no folders)",
                  at, name);
    }
    const auto size = octal_field(header, k_size);
    if (!size)
      return fail(ErrorCode::parse, "archive entry '{}' at byte {} has an unreadable size field", name, at);
    const std::size_t data_at = at + k_block;
    if (*size > bytes.size() - data_at) {
      return fail(ErrorCode::parse, "truncated: member '{}' declares {} bytes but only {} remain", name,
                  *size, bytes.size() - data_at);
    }
    const std::size_t data_size = static_cast<std::size_t>(*size);
    entries.push_back({name, bytes.substr(data_at, data_size)});
    at = data_at + padded(data_size);
    if (at > bytes.size())
      return fail(ErrorCode::parse, "truncated: member '{}' is missing its block padding", name);
  }
}

// ---------------------------------------------------------------------------------------------------
// Manifest fields.

struct ListedMember {
  std::string name;
  std::uint64_t size = 0;
  std::string sha256;
};

Result<const nlohmann::json*> required(const nlohmann::json& manifest, const char* key) {
  const auto it = manifest.find(key);
  if (it == manifest.end()) return fail(ErrorCode::parse, "manifest: missing field '{}'", key);
  return &*it;
}

Result<std::vector<ListedMember>> read_manifest(const nlohmann::json& manifest, Bundle& bundle) {
  if (!manifest.is_object()) return fail(ErrorCode::parse, "manifest: expected a JSON object");
  auto format = required(manifest, "format");
  if (!format) return std::unexpected(format.error());
  if (!(*format)->is_string() || (*format)->get<std::string>() != k_bundle_format) {
    return fail(ErrorCode::parse, "manifest: format is {}, expected \"{}\"", (*format)->dump(),
                k_bundle_format);
  }
  auto version = required(manifest, "format_version");
  if (!version) return std::unexpected(version.error());
  if (!(*version)->is_number_integer())
    return fail(ErrorCode::parse, "manifest: format_version {} is not an integer", (*version)->dump());
  if ((*version)->get<std::int64_t>() != k_bundle_format_version) {
    return fail(ErrorCode::unsupported, "manifest: format_version {} is not supported (this reader knows {})",
                (*version)->get<std::int64_t>(), k_bundle_format_version);
  }
  auto kind = required(manifest, "kind");
  if (!kind) return std::unexpected(kind.error());
  if (!(*kind)->is_string())
    return fail(ErrorCode::parse, "manifest: kind {} is not a string", (*kind)->dump());
  auto parsed_kind = parse_model_kind((*kind)->get<std::string>());
  if (!parsed_kind) return std::unexpected(parsed_kind.error().with_context("manifest"));
  bundle.kind = *parsed_kind;
  auto schema = required(manifest, "feature_schema_version");
  if (!schema) return std::unexpected(schema.error());
  if (!(*schema)->is_number_unsigned() ||
      (*schema)->get<std::uint64_t>() > std::numeric_limits<std::uint32_t>::max()) {
    return fail(ErrorCode::parse, "manifest: feature_schema_version {} is not an unsigned 32-bit integer",
                (*schema)->dump());
  }
  bundle.feature_schema_version = (*schema)->get<std::uint32_t>();
  auto created = required(manifest, "created_at");
  if (!created) return std::unexpected(created.error());
  if (!(*created)->is_string())
    return fail(ErrorCode::parse, "manifest: created_at {} is not a string", (*created)->dump());
  bundle.created_at = (*created)->get<std::string>();
  if (auto t = parse_iso8601_utc(bundle.created_at); !t)
    return std::unexpected(t.error().with_context("manifest"));
  for (const auto& [key, target] :
       {std::pair{"training", &bundle.training}, std::pair{"metrics", &bundle.metrics},
        std::pair{"model_info", &bundle.model_info}}) {
    auto value = required(manifest, key);
    if (!value) return std::unexpected(value.error());
    if (!(*value)->is_object()) return fail(ErrorCode::parse, "manifest: {} is not a JSON object", key);
    *target = **value;
  }

  auto members = required(manifest, "members");
  if (!members) return std::unexpected(members.error());
  if (!(*members)->is_array()) return fail(ErrorCode::parse, "manifest: members is not an array");
  std::vector<ListedMember> listed;
  std::unordered_set<std::string> seen;
  for (std::size_t i = 0; i < (*members)->size(); ++i) {
    const nlohmann::json& m = (**members)[i];
    const auto name = m.find("name");
    const auto size = m.find("size");
    const auto sha = m.find("sha256");
    if (!m.is_object() || name == m.end() || size == m.end() || sha == m.end() || !name->is_string() ||
        !size->is_number_unsigned() || !sha->is_string()) {
      return fail(
          ErrorCode::parse,
          "manifest: members[{}] must be {{\"name\": string, \"size\": unsigned, \"sha256\": string}}", i);
    }
    ListedMember entry{name->get<std::string>(), size->get<std::uint64_t>(), sha->get<std::string>()};
    if (!is_valid_member_name(entry.name) || entry.name == k_bundle_manifest_name) {
      return fail(ErrorCode::parse, "manifest: members[{}] has an invalid name '{}'", i, entry.name);
    }
    if (!is_sha256_hex(entry.sha256)) {
      return fail(ErrorCode::parse,
                  "manifest: member '{}' has sha256 '{}', expected 64 lower-case hex digits", entry.name,
                  entry.sha256);
    }
    if (!seen.insert(entry.name).second)
      return fail(ErrorCode::parse, "manifest: member '{}' is listed twice", entry.name);
    listed.push_back(std::move(entry));
  }
  return listed;
}

Status check_member_names(const Bundle& bundle) {
  std::unordered_set<std::string_view> seen;
  for (const BundleMember& m : bundle.members) {
    if (!is_valid_member_name(m.name) || m.name == k_bundle_manifest_name) {
      return fail(
          ErrorCode::invalid_argument,
          "bundle member name '{}' is invalid (1-99 of [A-Za-z0-9._-], not starting with '.', not '{}')",
          m.name, k_bundle_manifest_name);
    }
    if (!seen.insert(m.name).second)
      return fail(ErrorCode::invalid_argument, "bundle member '{}' appears twice", m.name);
  }
  return {};
}

// nlohmann::json keeps keys sorted; the manifest is written with ordered_json so humans read the
// identifying fields first. A dump/parse round trip converts between the two (not a hot path).
nlohmann::ordered_json to_ordered(const nlohmann::json& value) {
  return nlohmann::ordered_json::parse(value.dump());
}

// Owns a POSIX file descriptor.
class UniqueFd {
 public:
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }
  int get() const { return fd_; }
  // Closes now and reports close()'s verdict (a failed close can mean lost written data).
  int reset() {
    const int rc = fd_ >= 0 ? ::close(fd_) : 0;
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

std::string errno_text(int error) { return std::strerror(error); }

}  // namespace

// -----------------------------------------------------------------------------------------------------

std::string_view to_string(ModelKind kind) {
  switch (kind) {
    case ModelKind::anomaly:
      return "anomaly";
    case ModelKind::classifier:
      return "classifier";
    case ModelKind::rul:
      return "rul";
  }
  return "?";
}

Result<ModelKind> parse_model_kind(std::string_view name) {
  for (ModelKind k : {ModelKind::anomaly, ModelKind::classifier, ModelKind::rul}) {
    if (to_string(k) == name) return k;
  }
  return fail(ErrorCode::parse, "unknown model kind '{}' (anomaly, classifier, rul)", name);
}

const BundleMember* Bundle::find(std::string_view name) const {
  const auto it =
      std::find_if(members.begin(), members.end(), [&](const BundleMember& m) { return m.name == name; });
  return it == members.end() ? nullptr : &*it;
}

Result<nlohmann::json> Bundle::json_member(std::string_view name) const {
  const BundleMember* m = find(name);
  if (m == nullptr) return fail(ErrorCode::not_found, "bundle has no member '{}'", name);
  try {
    return nlohmann::json::parse(m->bytes);
  } catch (const std::exception& e) {
    return fail(ErrorCode::parse, "bundle member '{}' is not valid JSON: {}", name, e.what());
  }
}

Result<nlohmann::ordered_json> bundle_manifest(const Bundle& bundle) {
  if (auto ok = check_member_names(bundle); !ok) return std::unexpected(ok.error());
  for (const auto& [key, value] :
       {std::pair{"training", &bundle.training}, std::pair{"metrics", &bundle.metrics},
        std::pair{"model_info", &bundle.model_info}}) {
    if (!value->is_object())
      return fail(ErrorCode::invalid_argument, "bundle {} must be a JSON object, got {}", key,
                  value->type_name());
  }
  const std::string created_at = bundle.created_at.empty() ? now_iso8601_utc() : bundle.created_at;
  if (auto t = parse_iso8601_utc(created_at); !t)
    return std::unexpected(Error{ErrorCode::invalid_argument, t.error().message});

  nlohmann::ordered_json manifest;
  manifest["format"] = k_bundle_format;
  manifest["format_version"] = k_bundle_format_version;
  manifest["kind"] = to_string(bundle.kind);
  manifest["feature_schema_version"] = bundle.feature_schema_version;
  manifest["created_at"] = created_at;
  manifest["producer"] = "vigil";
  manifest["training"] = to_ordered(bundle.training);
  manifest["metrics"] = to_ordered(bundle.metrics);
  manifest["model_info"] = to_ordered(bundle.model_info);
  nlohmann::ordered_json members = nlohmann::ordered_json::array();
  for (const BundleMember& m : bundle.members) {
    const std::string sha = sha256_hex(m.bytes);
    if (sha.empty())
      return fail(ErrorCode::internal, "SHA-256 of bundle member '{}' failed (OpenSSL)", m.name);
    members.push_back({{"name", m.name}, {"size", m.bytes.size()}, {"sha256", sha}});
  }
  manifest["members"] = std::move(members);
  return manifest;
}

Result<std::string> serialize_bundle(const Bundle& bundle) {
  auto manifest = bundle_manifest(bundle);
  if (!manifest) return std::unexpected(manifest.error());
  const std::int64_t mtime_s = *parse_iso8601_utc((*manifest)["created_at"].get<std::string>());
  const std::string manifest_text = manifest->dump(2) + "\n";

  std::size_t total = padded(manifest_text.size()) + 3 * k_block;  // header + end-of-archive marker
  for (const BundleMember& m : bundle.members) total += k_block + padded(m.bytes.size());
  if (total > k_bundle_max_bytes) {
    return fail(ErrorCode::out_of_range, "bundle would be {} bytes, more than the {}-byte limit", total,
                k_bundle_max_bytes);
  }
  std::string out;
  out.reserve(total);
  append_member(out, k_bundle_manifest_name, manifest_text, mtime_s);
  for (const BundleMember& m : bundle.members) append_member(out, m.name, m.bytes, mtime_s);
  out.append(2 * k_block, '\0');
  return out;
}

Status write_bundle(const std::filesystem::path& path, const Bundle& bundle) {
  auto bytes = serialize_bundle(bundle);
  if (!bytes) return std::unexpected(bytes.error().with_context(path.string()));

  const std::filesystem::path folder =
      path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::string temp = (folder / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
  UniqueFd fd(::mkstemp(temp.data()));
  if (fd.get() < 0)
    return fail(ErrorCode::io, "{}: cannot create a temporary file in {}: {}", path.string(), folder.string(),
                errno_text(errno));
  const auto abandon = [&](std::string_view what, int error) -> Status {
    fd.reset();
    ::unlink(temp.c_str());
    return fail(ErrorCode::io, "{}: {} failed: {}", path.string(), what, errno_text(error));
  };
  if (::fchmod(fd.get(), 0644) != 0) return abandon("chmod", errno);
  std::size_t written = 0;
  while (written < bytes->size()) {
    const ssize_t n = ::write(fd.get(), bytes->data() + written, bytes->size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return abandon("write", n < 0 ? errno : EIO);
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return abandon("fsync", errno);
  if (fd.reset() != 0) return abandon("close", errno);
  if (::rename(temp.c_str(), path.c_str()) != 0) return abandon("rename", errno);
  // Make the rename itself durable (POSIX: the directory entry lives in the folder).
  if (const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return {};
}

Result<Bundle> parse_bundle(std::string_view bytes, std::string_view name) {
  if (bytes.size() > k_bundle_max_bytes) {
    return fail(ErrorCode::out_of_range, "{}: {} bytes, larger than the {}-byte bundle limit", name,
                bytes.size(), k_bundle_max_bytes);
  }
  auto entries = read_ustar(bytes);
  if (!entries) return std::unexpected(entries.error().with_context(name));
  if (entries->empty() || entries->front().name != k_bundle_manifest_name) {
    return fail(ErrorCode::parse, "{}: not a vigil bundle: the first archive member must be {}", name,
                k_bundle_manifest_name);
  }
  nlohmann::json manifest;
  try {
    manifest = nlohmann::json::parse(entries->front().data);
  } catch (const std::exception& e) {
    return fail(ErrorCode::parse, "{}: manifest.json is not valid JSON: {}", name, e.what());
  }
  Bundle bundle;
  auto listed = read_manifest(manifest, bundle);
  if (!listed) return std::unexpected(listed.error().with_context(name));

  std::unordered_map<std::string_view, const ListedMember*> by_name;
  for (const ListedMember& m : *listed) by_name.emplace(m.name, &m);
  std::unordered_set<std::string_view> present;
  for (std::size_t i = 1; i < entries->size(); ++i) {
    const ArchiveEntry& e = (*entries)[i];
    const auto it = by_name.find(e.name);
    if (it == by_name.end())
      return fail(ErrorCode::parse, "{}: archive member '{}' is not listed in the manifest", name, e.name);
    if (!present.insert(it->first).second)
      return fail(ErrorCode::parse, "{}: archive member '{}' appears twice", name, e.name);
    const ListedMember& listed_member = *it->second;
    if (listed_member.size != e.data.size()) {
      return fail(ErrorCode::parse, "{}: member '{}' has {} bytes, the manifest says {}", name, e.name,
                  e.data.size(), listed_member.size);
    }
    const std::string sha = sha256_hex(e.data);
    if (sha != listed_member.sha256) {
      return fail(ErrorCode::parse,
                  "{}: member '{}' fails its SHA-256 check (manifest {}, content {}): the file is corrupt",
                  name, e.name, listed_member.sha256, sha);
    }
    bundle.members.push_back({e.name, std::string(e.data)});
  }
  for (const ListedMember& m : *listed) {
    if (!present.contains(m.name))
      return fail(ErrorCode::parse, "{}: the manifest lists '{}' but the archive does not contain it", name,
                  m.name);
  }
  return bundle;
}

Result<Bundle> read_bundle(const std::filesystem::path& path, ModelKind expected_kind,
                           std::uint32_t expected_feature_schema_version,
                           std::optional<std::uint32_t> oldest_feature_schema_version) {
  const std::string name = path.string();
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int error = errno;
    return fail(error == ENOENT ? ErrorCode::not_found : ErrorCode::io, "{}: cannot open: {}", name,
                errno_text(error));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fail(ErrorCode::io, "{}: cannot stat: {}", name, errno_text(errno));
  if (!S_ISREG(st.st_mode)) return fail(ErrorCode::io, "{}: not a regular file", name);
  if (static_cast<std::uint64_t>(st.st_size) > k_bundle_max_bytes) {
    return fail(ErrorCode::out_of_range, "{}: {} bytes, larger than the {}-byte bundle limit", name,
                st.st_size, k_bundle_max_bytes);
  }
  // Read at most one byte past the limit, so a file that grows after fstat is still refused.
  std::string bytes(k_bundle_max_bytes + 1, '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::read(fd.get(), bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(ErrorCode::io, "{}: read failed: {}", name, errno_text(errno));
    if (n == 0) break;
    got += static_cast<std::size_t>(n);
  }
  bytes.resize(got);

  auto bundle = parse_bundle(bytes, name);
  if (!bundle) return bundle;
  if (bundle->kind != expected_kind) {
    return fail(ErrorCode::unsupported, "{}: is a bundle of kind {}, expected kind {}", name,
                to_string(bundle->kind), to_string(expected_kind));
  }
  const std::uint32_t oldest = oldest_feature_schema_version.value_or(expected_feature_schema_version);
  const std::uint32_t version = bundle->feature_schema_version;
  if (version < oldest || version > expected_feature_schema_version) {
    if (oldest == expected_feature_schema_version) {
      return fail(ErrorCode::unsupported,
                  "{}: built for feature schema version {}, this build computes version {}", name, version,
                  expected_feature_schema_version);
    }
    return fail(ErrorCode::unsupported,
                "{}: built for feature schema version {}, this build reads versions {} to {}: retrain it",
                name, version, oldest, expected_feature_schema_version);
  }
  return bundle;
}

}  // namespace vigil::model
