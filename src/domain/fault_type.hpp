// The vocabulary every component shares about a bearing's condition: the fault types a recording is
// labelled with (dataset catalogs), a model is trained on and a decision names. Nothing here reads files or
// links a library, so the runtime can speak of faults without depending on the dataset readers.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace vigil::domain {

// Ground-truth condition of a bearing (of a recording, of a training window).
enum class FaultType { normal, inner_race, outer_race, ball, cage };

inline constexpr std::array<FaultType, 5> k_fault_types{
    FaultType::normal, FaultType::inner_race, FaultType::outer_race, FaultType::ball, FaultType::cage};

// "normal", "inner_race", "outer_race", "ball", "cage".
std::string_view to_string(FaultType fault);
// Inverse of to_string (exact match), nullopt for anything else.
std::optional<FaultType> parse_fault_type(std::string_view text);

}  // namespace vigil::domain
