// Test helper: MAT v5 files built byte by byte from the MathWorks "MAT-File Format" document
// (Level 5: 128-byte header, tagged data elements padded to 8 bytes, miMATRIX layout), so the
// reader is checked against the specification rather than against a file libmatio wrote.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil::io::test {

// Data types (miXXX) and array classes (mxXXX) from the format document, tables 1-1 and 1-3.
enum MiType : std::uint32_t {
  mi_int8 = 1,
  mi_uint8 = 2,
  mi_int16 = 3,
  mi_uint16 = 4,
  mi_int32 = 5,
  mi_uint32 = 6,
  mi_single = 7,
  mi_double = 9,
  mi_matrix = 14,
  mi_compressed = 15
};
enum MxClass : std::uint8_t {
  mx_cell = 1,
  mx_struct = 2,
  mx_char = 4,
  mx_double = 6,
  mx_single = 7,
  mx_int32 = 12,
  mx_uint16 = 11,
  mx_uint8 = 9
};
constexpr std::uint8_t k_flag_complex = 0x08;
constexpr std::uint8_t k_flag_logical = 0x02;

class MatBytes {
 public:
  explicit MatBytes(bool big_endian = false) : big_(big_endian) {
    std::string text = "MATLAB 5.0 MAT-file, Platform: test, Created on: hand-built by vigil tests";
    text.resize(116, ' ');
    bytes_ = text + std::string(8, '\0');
    put16(bytes_, 0x0100);
    bytes_ += big_ ? "MI" : "IM";
  }

  // Appends any element (used for the top level).
  MatBytes& add(const std::string& element) {
    bytes_ += element;
    return *this;
  }

  // miMATRIX of a numeric or char class; `raw` holds the stored values already encoded.
  std::string matrix(std::string_view name, MxClass cls, std::vector<std::int32_t> dims, MiType type,
                     const std::string& raw, std::uint8_t flags = 0,
                     const std::string* imag = nullptr) const {
    std::string body = header_part(name, cls, dims, flags);
    body += element(type, raw);
    if (imag != nullptr) body += element(type, *imag);
    return element(mi_matrix, body);
  }

  std::string doubles(std::string_view name, const std::vector<double>& values,
                      std::vector<std::int32_t> dims = {}) const {
    if (dims.empty()) dims = {static_cast<std::int32_t>(values.size()), 1};
    return matrix(name, mx_double, dims, mi_double, encode(values));
  }

  std::string uint16_scalar(std::string_view name, std::uint16_t v) const {
    return matrix(name, mx_uint16, {1, 1}, mi_uint16, encode(std::vector<std::uint16_t>{v}));
  }

  std::string chars(std::string_view name, std::string_view text) const {
    std::vector<std::uint16_t> utf16(text.begin(), text.end());
    return matrix(name, mx_char, {1, static_cast<std::int32_t>(text.size())}, mi_uint16, encode(utf16));
  }

  // 1x1 struct; each field is a matrix() built with an empty name.
  std::string structure(std::string_view name,
                        const std::vector<std::pair<std::string, std::string>>& fields) const {
    std::string body = header_part(name, mx_struct, {1, 1}, 0);
    constexpr std::int32_t k_field_len = 32;
    // "Field Name Length" always uses the small data element format (format document, p. 1-21).
    body += small_element(mi_int32, encode(std::vector<std::int32_t>{k_field_len}));
    std::string names;
    for (const auto& [field, _] : fields) {
      std::string n = field;
      n.resize(k_field_len, '\0');
      names += n;
    }
    body += element(mi_int8, names);
    for (const auto& [_, m] : fields) body += m;
    return element(mi_matrix, body);
  }

  template <typename T>
  std::string encode(const std::vector<T>& values) const {
    std::string out;
    for (const T v : values) {
      unsigned char b[sizeof(T)];
      std::memcpy(b, &v, sizeof(T));
      if (big_) std::reverse(b, b + sizeof(T));
      out.append(reinterpret_cast<const char*>(b), sizeof(T));
    }
    return out;
  }

  // Tag + data + zero padding to a multiple of 8 bytes.
  std::string element(std::uint32_t type, const std::string& data) const {
    std::string out;
    put32(out, type);
    put32(out, static_cast<std::uint32_t>(data.size()));
    out += data;
    out.resize((out.size() + 7) / 8 * 8, '\0');
    return out;
  }

  // Small data element: type and byte count (<= 4) share the first 4 bytes, data in the next 4.
  std::string small_element(std::uint32_t type, const std::string& data) const {
    std::string out;
    put32(out, type | (static_cast<std::uint32_t>(data.size()) << 16));
    out += data;
    out.resize(8, '\0');
    return out;
  }

  const std::string& bytes() const { return bytes_; }

  void write(const std::filesystem::path& path) const { write_file(path, bytes_); }

  static void write_file(const std::filesystem::path& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }

 private:
  std::string header_part(std::string_view name, MxClass cls, const std::vector<std::int32_t>& dims,
                          std::uint8_t flags) const {
    std::string body =
        element(mi_uint32, encode(std::vector<std::uint32_t>{
                               static_cast<std::uint32_t>(cls) | (std::uint32_t{flags} << 8), 0u}));
    body += element(mi_int32, encode(dims));
    // MATLAB writes names of 1 to 4 characters as small data elements; both forms are valid.
    body += name.size() >= 1 && name.size() <= 4 ? small_element(mi_int8, std::string(name))
                                                 : element(mi_int8, std::string(name));
    return body;
  }
  void put16(std::string& s, std::uint16_t v) const { s += encode(std::vector<std::uint16_t>{v}); }
  void put32(std::string& s, std::uint32_t v) const { s += encode(std::vector<std::uint32_t>{v}); }

  bool big_;
  std::string bytes_;
};

}  // namespace vigil::io::test
