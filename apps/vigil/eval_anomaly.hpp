// vigil eval anomaly femto DIR / vigil eval anomaly ims FILE...: per-asset anomaly models learned from each
// asset's own healthy running, on run-to-failure bearings (FEMTO) and on short snapshots (IMS).
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

void add_eval_anomaly(CLI::App& eval);

}  // namespace vigil::cli
