// Turns a path on the command line into one channel of samples with its sample rate, speed and bearing:
// from the file itself, from a catalog.csv beside it that lists the file, or from the options.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "dsp/bearing.hpp"

namespace vigil::cli {

struct InputOptions {
  std::string channel;  // empty: the catalog's, else the first channel
  std::optional<double> sample_rate_hz;
  std::optional<double> speed_rpm;
  std::string bearing;  // empty: the catalog's, else 6205-2RS
};

struct Signal {
  std::string source;
  std::string channel;
  std::vector<float> samples;
  double sample_rate_hz = 0;
  double speed_rpm = 0;
  dsp::BearingGeometry bearing;
  std::vector<std::string> notes;  // where each value came from, for the report
};

Result<Signal> load_signal(const std::filesystem::path& path, const InputOptions& options);

// Decimates `signal` to `target_hz` when its rate is an integer multiple of it (anti-aliased).
Status decimate_to(Signal& signal, double target_hz);

}  // namespace vigil::cli
