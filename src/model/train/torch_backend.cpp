// Loading of libvigil_torch.so and the three entry points of training that go through it.
#include "model/train/torch_backend.hpp"

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <system_error>

#include <dlfcn.h>

#include "model/train/torch_forward.hpp"

namespace vigil::model::train {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> candidate_paths() {
  if (const char* explicit_path = std::getenv("VIGIL_TORCH_PLUGIN"); explicit_path && *explicit_path) {
    return {fs::path(explicit_path)};
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {fs::path(k_torch_plugin_file)};  // the dynamic linker's own search
  const fs::path dir = exe.parent_path();
  return {dir / k_torch_plugin_file, dir.parent_path() / "lib" / "vigil" / k_torch_plugin_file};
}

Result<const TorchBackend*> load() {
  std::string tried;
  for (const fs::path& path : candidate_paths()) {
    std::error_code ec;
    if (path.has_parent_path() && !fs::exists(path, ec)) {
      tried += (tried.empty() ? "" : ", ") + path.string();
      continue;
    }
    // RTLD_LOCAL: libtorch's symbols stay out of the program's namespace. The handle is never closed.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      return fail(ErrorCode::internal, "training needs {} (libtorch) but it cannot be loaded: {}",
                  path.string(), dlerror());
    }
    using Entry = const TorchBackend* (*)();
    auto entry = reinterpret_cast<Entry>(dlsym(handle, k_torch_plugin_symbol));
    if (entry == nullptr) {
      return fail(ErrorCode::internal, "{} has no entry point {}", path.string(), k_torch_plugin_symbol);
    }
    const TorchBackend* backend = entry();
    if (backend == nullptr || backend->abi != k_torch_backend_abi) {
      return fail(ErrorCode::internal, "{} is of another build (interface version {}, expected {})",
                  path.string(), backend ? backend->abi : 0, k_torch_backend_abi);
    }
    return backend;
  }
  return fail(ErrorCode::not_found,
              "training needs {} (libtorch) and it is not installed: looked for {} (set VIGIL_TORCH_PLUGIN "
              "to its path)",
              k_torch_plugin_file, tried);
}

}  // namespace

Result<const TorchBackend*> torch_backend() {
  static std::once_flag once;
  static Result<const TorchBackend*> loaded = fail(ErrorCode::internal, "not loaded");
  std::call_once(once, [] { loaded = load(); });
  return loaded;
}

Result<TrainedClassifier> train_classifier(const Dataset& train, const Dataset& validation,
                                           const ClassifierConfig& config) {
  auto backend = torch_backend();
  if (!backend) return std::unexpected(backend.error());
  return (*backend)->train_classifier(train, validation, config);
}

Result<TrainedAutoencoder> train_autoencoder(const Dataset& train, const Dataset& validation,
                                             const AutoencoderConfig& config) {
  auto backend = torch_backend();
  if (!backend) return std::unexpected(backend.error());
  return (*backend)->train_autoencoder(train, validation, config);
}

Result<std::vector<float>> torch_forward(const MlpSpec& spec, std::span<const float> x, std::size_t rows) {
  auto backend = torch_backend();
  if (!backend) return std::unexpected(backend.error());
  return (*backend)->torch_forward(spec, x, rows);
}

}  // namespace vigil::model::train
