// MATLAB v5 MAT-files through libmatio: the format of the CWRU bearing recordings and of most lab
// exports. Lists variables and reads a CWRU-layout recording (X105_DE_time, X105_FE_time,
// X105_BA_time, X105RPM) into a Recording; writes the same layout for MATLAB users.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "io/recording.hpp"

namespace vigil::io {

struct MatVariable {
  std::string name;               // "X105_DE_time"; a field of a 1x1 struct as "parent.field"
  std::string class_name;         // "double", "uint16", "char", "logical", "struct", "cell", ...
  std::vector<std::size_t> dims;  // MATLAB size(), e.g. {121265, 1}
  bool is_complex = false;
};

// Every variable of a MAT v5 file, in file order, fields of 1x1 structs (up to 4 levels) after
// their struct. Before libmatio sees the file, the header and the chain of top-level elements are
// checked against the file size, so a truncated file is an error ("truncated: element at byte
// offset ... declares N bytes, M remain"), never a silently shorter list. Refuses MAT v4 and
// v7.3 (HDF5) files as unsupported and anything above k_max_input_bytes.
Result<std::vector<MatVariable>> list_mat_variables(const std::filesystem::path& path);

// A real numeric vector (any numeric class, 1xN or Nx1, finite) as doubles; `name` may be a
// struct field "parent.field".
Result<std::vector<double>> read_mat_vector(const std::filesystem::path& path, std::string_view name);

struct MatReadOptions {
  double sample_rate_hz = 0.0;        // stored in the Recording; MAT files do not carry it
  std::vector<std::string> channels;  // wanted channels ("DE", ...); empty = each of DE, FE, BA present
  std::string prefix;                 // consider only variables whose name starts with it ("X099")
};

// A CWRU-layout recording. Channel X is the variable (or 1x1-struct field) named X_time or ending
// in _X_time (DE, FE, BA -> channels "DE", "FE", "BA"); the speed comes from the variable ending in
// RPM (1x1, any numeric class; CWRU's is class double stored as uint16), never from the file name. When
// several variables end in the same suffix (99.mat carries X098_DE_time and X099_DE_time) the one whose
// number equals the RPM variable's number wins; otherwise the error lists the candidates and
// MatReadOptions::prefix chooses. Channels must be real numeric vectors of equal length with finite values.
Result<Recording> read_cwru_mat(const std::filesystem::path& path, const MatReadOptions& options = {});

enum class MatCompression { none, zlib };

// Writes `recording` in the CWRU layout: <prefix>_<channel>_time as double column vectors and,
// when the speed is known, <prefix>RPM as a 1x1 double (CWRU's class; their files store it as uint16).
// Written to a temporary file beside `path`, then renamed: a failure leaves no partial file.
Status write_cwru_mat(const std::filesystem::path& path, const Recording& recording, std::string_view prefix,
                      MatCompression compression = MatCompression::none);

}  // namespace vigil::io
