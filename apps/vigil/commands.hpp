// Subcommands of the vigil CLI. Each registers its options on the app and runs when selected.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void add_analyze(CLI::App& app);
void add_eval(CLI::App& app);
void add_bearings(CLI::App& app);
void add_simulate(CLI::App& app);
void add_sensor(CLI::App& app);
void add_rul_commands(CLI::App& app);  // train rul, rul (rul.hpp)
void add_train_models(CLI::App& app);  // train anomaly, train classifier (train_models.hpp)
void add_log(CLI::App& app);           // log verify, log show

}  // namespace vigil::cli
