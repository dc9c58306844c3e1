// The libtorch side of training lives in a plugin, libvigil_torch.so, loaded on the first call that trains or
// runs torch_forward: a program that never trains (`vigil --help`, `vigil sensor`, `vigil log`, most tests)
// never loads libtorch, whose start-up alone (library load and its static registrations) costs ~0.6 s per
// process. The plugin exports one C function returning this table; everything that crosses it is plain data.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "model/train/autoencoder.hpp"
#include "model/train/classifier.hpp"

namespace vigil::model::train {

// Raised whenever the table's layout or the types crossing it change; the loader refuses another version.
inline constexpr int k_torch_backend_abi = 1;

struct TorchBackend {
  int abi = 0;
  Result<TrainedClassifier> (*train_classifier)(const Dataset& train, const Dataset& validation,
                                                const ClassifierConfig& config) = nullptr;
  Result<TrainedAutoencoder> (*train_autoencoder)(const Dataset& train, const Dataset& validation,
                                                  const AutoencoderConfig& config) = nullptr;
  Result<std::vector<float>> (*torch_forward)(const MlpSpec& spec, std::span<const float> x,
                                              std::size_t rows) = nullptr;
};

// The plugin's file name and its one exported symbol (a function returning const TorchBackend*).
inline constexpr const char* k_torch_plugin_file = "libvigil_torch.so";
inline constexpr const char* k_torch_plugin_symbol = "vigil_torch_backend";

// The loaded table, loading the plugin on the first call (thread-safe; a failure is remembered and returned
// again). Looked for at $VIGIL_TORCH_PLUGIN when set, else next to the running executable, else in
// ../lib/vigil/ from it. Errors: not_found (naming every path tried); internal when it cannot be loaded
// (dlerror's reason), has no entry point or is of another interface version.
Result<const TorchBackend*> torch_backend();

}  // namespace vigil::model::train
