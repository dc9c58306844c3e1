// vigil train anomaly / vigil train classifier: learn the per-asset anomaly detector and the fault-type
// classifier from a catalog of recordings and write them as model bundles (.vigil). The models and their
// bundles are src/model/anomaly_bundle.hpp and classifier_bundle.hpp; train_anomaly.cpp and
// train_classifier.cpp read catalogs and print.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include <CLI/CLI.hpp>

namespace vigil::cli {

// Adds `anomaly` and `classifier` to the `train` group (which add_train in rul.hpp creates; it must be
// registered first).
void add_train_models(CLI::App& app);

// The two subcommands, added to the `train` group.
void add_train_anomaly(CLI::App& train);
void add_train_classifier(CLI::App& train);

// The windows a model learns from, and so the windows it will judge (its bundle records both): recordings
// at an integer multiple of sample_rate_hz are decimated to it; features are order-normalised (envelope lines
// at multiples of the shaft speed, bands in fractions of the rate), so any rate and window the hardware gives
// can be learned: 12 k, 20 k, 25.6 kS/s and up, windows of 256 samples or more.
struct WindowFlags {
  double sample_rate_hz = 12000;
  std::size_t window_len = 4096;
};
// --fs and --window.
void add_window_options(CLI::App& app, WindowFlags& flags);

// What both print and record in a bundle's manifest.
using Clock = std::chrono::steady_clock;
inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}
// `path` made absolute and normal ("../x/y.csv" -> "/home/u/x/y.csv"); as given when that fails.
inline std::string absolute_name(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path p = std::filesystem::absolute(path, ec);
  return (ec ? std::filesystem::path(path) : p).lexically_normal().string();
}
// Size of the written bundle for the summary line; 0 when it cannot be read.
inline std::uintmax_t file_size_or_zero(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : size;
}

}  // namespace vigil::cli
