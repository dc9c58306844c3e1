// vigil train anomaly / vigil train classifier (see train_models.hpp).
#include "train_models.hpp"

namespace vigil::cli {

void add_train_models(CLI::App& app) {
  CLI::App* train = app.get_subcommand("train");
  add_train_anomaly(*train);
  add_train_classifier(*train);
}

void add_window_options(CLI::App& app, WindowFlags& flags) {
  app.add_option("--fs", flags.sample_rate_hz,
                 "Sample rate the model works at, Hz; recordings at an integer multiple of it are decimated")
      ->check(CLI::Range(1000.0, 1e6))
      ->capture_default_str();
  app.add_option("--window", flags.window_len,
                 "Samples per window at --fs (the envelope resolution is fs / window)")
      ->check(CLI::Range(std::size_t{256}, std::size_t{1} << 20))
      ->capture_default_str();
}

}  // namespace vigil::cli
