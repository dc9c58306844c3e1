#include "domain/fault_type.hpp"

#include <gtest/gtest.h>

namespace vigil::domain {
namespace VIGIL_TEST_FILE {

TEST(FaultType, NamesRoundTripAndAreTheCatalogSpelling) {
  // The spelling is the catalog's column value (../shared/data/cwru/catalog.csv), written by hand here.
  const std::pair<FaultType, std::string_view> expected[] = {{FaultType::normal, "normal"},
                                                             {FaultType::inner_race, "inner_race"},
                                                             {FaultType::outer_race, "outer_race"},
                                                             {FaultType::ball, "ball"},
                                                             {FaultType::cage, "cage"}};
  ASSERT_EQ(std::size(expected), k_fault_types.size());
  for (const auto& [fault, name] : expected) {
    EXPECT_EQ(to_string(fault), name);
    EXPECT_EQ(parse_fault_type(name), fault);
  }
}

TEST(FaultType, ParseIsExact) {
  EXPECT_FALSE(parse_fault_type("inner").has_value());
  EXPECT_FALSE(parse_fault_type("Normal").has_value());
  EXPECT_FALSE(parse_fault_type("").has_value());
  EXPECT_FALSE(parse_fault_type("ball ").has_value());
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::domain
