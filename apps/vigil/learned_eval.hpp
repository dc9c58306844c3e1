// vigil eval cwru --model classifier: the learned fault classifier (and the healthy-data anomaly detector)
// evaluated on a CWRU catalog with splits by recording metadata (leave one load out, leave one defect size
// out). What is trained and tested, and why, is in docs/learned-evaluation.md.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

// Adds --model, --split, --features-csv, --epochs, --seed, --synthetic-normal to the `eval cwru` subcommand.
// When --model is given, the learned evaluation runs once the command line is parsed and the physics
// evaluation is skipped; without it, `eval cwru` behaves exactly as before. Reads the subcommand's own
// catalog, --resample and
// --json options.
void add_eval_cwru_learned(CLI::App& cwru);

}  // namespace vigil::cli
