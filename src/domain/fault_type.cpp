#include "domain/fault_type.hpp"

namespace vigil::domain {

std::string_view to_string(FaultType fault) {
  switch (fault) {
    case FaultType::normal:
      return "normal";
    case FaultType::inner_race:
      return "inner_race";
    case FaultType::outer_race:
      return "outer_race";
    case FaultType::ball:
      return "ball";
    case FaultType::cage:
      return "cage";
  }
  return "unknown";
}

std::optional<FaultType> parse_fault_type(std::string_view text) {
  for (const FaultType f : k_fault_types) {
    if (text == to_string(f)) return f;
  }
  return std::nullopt;
}

}  // namespace vigil::domain
