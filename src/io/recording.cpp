#include "io/recording.hpp"

namespace vigil::io {

const Channel* Recording::find_channel(std::string_view name) const {
  for (const Channel& c : channels) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace vigil::io
