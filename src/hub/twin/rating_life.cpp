#include "hub/twin/rating_life.hpp"

#include <array>
#include <cctype>
#include <cmath>
#include <string>

namespace vigil::hub::twin {
namespace {

constexpr std::string_view k_skf = "SKF Rolling bearings catalogue, product tables";
constexpr std::string_view k_pronostia =
    "IEEE PHM 2012 Prognostic Challenge details, Appendix A.1 (FEMTO-ST)";

// docs/hub-what-if.md gives each row's source; the SKF figures for 6309 are also those of SKF's own
// worked example (C = 55.3 kN, Pu = 1.34 kN).
constexpr std::array<LoadRating, 7> k_ratings{{
    {"6203", RollingElement::ball, 9.95, 4.75, 0.2, k_skf},
    {"6205", RollingElement::ball, 14.8, 7.8, 0.335, k_skf},
    {"6305", RollingElement::ball, 23.4, 11.6, 0.49, k_skf},
    {"6309", RollingElement::ball, 55.3, 31.5, 1.34, k_skf},
    {"6312", RollingElement::ball, 85.2, 52.0, 2.2, k_skf},
    {"NU 212 ECP", RollingElement::roller, 108.0, 102.0, 0.0, k_skf},
    {"pronostia", RollingElement::ball, 4.0, 2.47, 0.0, k_pronostia},
}};

// Makers' names that may stand in front of a designation.
constexpr std::array<std::string_view, 10> k_makers{"SKF",  "FAG",    "INA", "NSK", "NTN",
                                                    "KOYO", "TIMKEN", "SNR", "ZKL", "NACHI"};

std::string squeezed_upper(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

bool matches(const std::string& designation, const std::string& key) {
  std::size_t start = 0;
  if (designation.compare(0, key.size(), key) != 0) {
    start = std::string::npos;
    for (std::string_view maker : k_makers) {
      if (designation.compare(0, maker.size(), maker) == 0 &&
          designation.compare(maker.size(), key.size(), key) == 0) {
        start = maker.size();
        break;
      }
    }
    if (start == std::string::npos) return false;
  }
  const std::size_t end = start + key.size();
  // "6205-2RS" and "6205C3" are a 6205; "62052" is not.
  return end == designation.size() || !std::isdigit(static_cast<unsigned char>(designation[end]));
}

}  // namespace

std::string_view to_string(RollingElement element) {
  return element == RollingElement::ball ? "ball" : "roller";
}

double life_exponent(RollingElement element) { return element == RollingElement::ball ? 3.0 : 10.0 / 3.0; }

std::span<const LoadRating> load_ratings() { return k_ratings; }

Result<LoadRating> find_load_rating(std::string_view designation) {
  const std::string wanted = squeezed_upper(designation);
  std::string known;
  for (const LoadRating& r : k_ratings) {
    if (!wanted.empty() && matches(wanted, squeezed_upper(r.designation))) return r;
    known += fmt::format("{}{}", known.empty() ? "" : ", ", r.designation);
  }
  return fail(ErrorCode::not_found, "no load rating for bearing '{}' (known: {})", designation, known);
}

double basic_rating_life_h(const LoadRating& rating, double load_kn, double speed_rpm) {
  return 1e6 / (60.0 * speed_rpm) * std::pow(rating.dynamic_kn / load_kn, life_exponent(rating.element));
}

double rating_life_ratio(RollingElement element, double load_kn, double new_load_kn, double speed_rpm,
                         double new_speed_rpm) {
  return std::pow(load_kn / new_load_kn, life_exponent(element)) * (speed_rpm / new_speed_rpm);
}

}  // namespace vigil::hub::twin
