#include "support/test_data.hpp"

#include <cstdlib>

namespace vigil::test {

std::filesystem::path data_dir() {
  if (const char* env = std::getenv("VIGIL_DATA_DIR"); env != nullptr && *env != '\0') return env;
  return VIGIL_DATA_DIR;
}

bool have_data(const std::filesystem::path& relative) {
  std::error_code ec;
  return std::filesystem::exists(data_dir() / relative, ec);
}

}  // namespace vigil::test
