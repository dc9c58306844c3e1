// Internal to vigil_io: a structural check of MAT v5 bytes, run before libmatio sees a file.
// libmatio allocates from the sizes a file declares (struct and cell dimensions, array sizes)
// before it knows whether the bytes are there; this check walks every element and sub-element
// (inflating miCOMPRESSED ones) and proves each declared size fits the bytes actually present,
// so a truncated or hostile file is a clear error instead of a giant allocation or a crash.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace vigil::io::detail {

inline constexpr std::uint32_t k_mi_matrix = 14;  // MAT-File Format, table 1-1
inline constexpr std::uint32_t k_mi_compressed = 15;

struct MatElement {
  std::uint64_t offset = 0;  // byte offset of the tag in the file
  std::uint32_t type = 0;    // k_mi_matrix or k_mi_compressed
  std::uint64_t bytes = 0;   // after the tag, as stored
};

// Checks the 128-byte header (v5, either byte order; v7.3 is `unsupported`), the chain of
// top-level elements against the file size, and the inside of every variable. Returns the
// top-level elements in file order. `path` must name a regular file of at most k_max_input_bytes.
Result<std::vector<MatElement>> check_mat_v5(const std::filesystem::path& path);

// The same check of one variable's miMATRIX body (after its tag), exposed for tests.
Status check_mat_matrix(std::string_view body, bool big_endian, std::string_view context);

}  // namespace vigil::io::detail
