// vigil train anomaly / vigil train classifier: learn the per-asset anomaly detector and the fault-type
// classifier from a catalog of recordings and write them as model bundles (.vigil). The models and their
// bundles are src/model/anomaly_bundle.hpp and classifier_bundle.hpp; this file reads catalogs and prints.
#pragma once

#include <CLI/CLI.hpp>

namespace vigil::cli {

// Adds `anomaly` and `classifier` to the `train` group (which add_train in rul.hpp creates; it must be
// registered first).
void add_train_models(CLI::App& app);

}  // namespace vigil::cli
