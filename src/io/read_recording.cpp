#include "io/read_recording.hpp"

#include "io/csv_signal.hpp"
#include "io/femto.hpp"
#include "io/ims.hpp"
#include "io/mat_file.hpp"

namespace vigil::io {

Result<Recording> read_recording(const std::filesystem::path& path, double sample_rate_hz) {
  const std::string file = path.filename().string();
  if (path.extension() == ".mat") {
    MatReadOptions options;
    options.sample_rate_hz = sample_rate_hz;
    return read_cwru_mat(path, options);
  }
  if (file.starts_with("acc_") && path.extension() == ".csv") return read_femto_snapshot(path);
  if (path.extension() == ".csv") return read_csv_signal(path, sample_rate_hz);
  if (parse_ims_time(file)) {
    auto snap = read_ims_snapshot(path);
    if (!snap) return std::unexpected(snap.error());
    return std::move(snap->recording);
  }
  return fail(ErrorCode::unsupported,
              "{}: format not recognised from the name (.mat, acc_*.csv, .csv, IMS YYYY.MM.DD.hh.mm.ss)",
              path.string());
}

}  // namespace vigil::io
