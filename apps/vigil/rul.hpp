// vigil train rul / vigil rul / vigil eval femto --rul: remaining useful life of a bearing from a folder of
// vibration snapshots (FEMTO/PRONOSTIA layout), with the model learned from run-to-failure bearings.
// The computation is src/model/rul_pipeline.hpp; this file reads folders and prints.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace vigil::cli {

// Registers the `train` group with its `rul` subcommand (other model kinds add theirs to the group with
// app.get_subcommand("train")) and the `rul` command.
void add_rul_commands(CLI::App& app);
// Just the `train` group and `train rul` (called by add_rul_commands).
CLI::App* add_train(CLI::App& app);

// vigil eval femto DIR --rul: leave-one-bearing-out RUL evaluation of every Bearing* folder in dir (or
// dir itself is rejected: at least 3 bearings are needed). speed_rpm overrides the speed from the names;
// score_kind names the per-snapshot score (model::RulScoreKind; empty = RulScoreConfig's default).
// Prints the table (or one JSON object) and returns the exit code (0, or 2 with "vigil eval femto: ...").
// Nested leave-one-bearing-out evaluation of the RUL training procedure (eval/rul_evaluation.hpp);
// features cached in cache_dir when it is not empty.
int run_eval_femto_rul(const std::string& dir, std::optional<double> speed_rpm, bool json,
                       const std::string& cache_dir);

}  // namespace vigil::cli
