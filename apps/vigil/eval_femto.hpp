// vigil eval femto DIR: health indicators over the life of each run-to-failure bearing.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void add_eval_femto(CLI::App& eval);

}  // namespace vigil::cli
