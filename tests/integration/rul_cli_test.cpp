// `vigil rul` as a real process on the thinned FEMTO learning set (data; skips without it): besides the raw
// health index (1 at the bearing's healthy start, growing with damage) it prints the 0..1 health the edge
// reports, and says what each is. Truth: Bearing1_1 ran to failure, so at its last snapshot its index is
// above 1 and its health is below its healthy 1.
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "integration/cli_support.hpp"
#include "support/test_data.hpp"

namespace VIGIL_TEST_FILE {

using vigil::test::Cli;
using vigil::test::CliRun;
using vigil::test::run;

TEST_F(Cli, RulPrintsTheEdgesZeroToOneHealthBesideTheRawIndex) {
  VIGIL_REQUIRE_DATA("femto/Learning_set/Bearing1_1");
  const std::string set = (vigil::test::data_dir() / "femto/Learning_set").string();
  const CliRun trained = run("train rul " + set + " --out " + path("rul.vigil"));
  ASSERT_EQ(trained.exit_code, 0) << trained.out;
  const std::string bearing = set + "/Bearing1_1 --model " + path("rul.vigil");
  const CliRun j = run("rul " + bearing + " --json", true);
  ASSERT_EQ(j.exit_code, 0) << j.out;
  const auto r = nlohmann::json::parse(j.out);
  const double index = r["health_index"].get<double>();
  const double health = r["health"].get<double>();
  EXPECT_GT(index, 1);
  EXPECT_GE(health, 0);
  EXPECT_LT(health, 1);
  const CliRun text = run("rul " + bearing);
  ASSERT_EQ(text.exit_code, 0) << text.out;
  EXPECT_NE(
      text.out.find(fmt::format("health {:.2f} (1 = as at its healthy start, 0 = the fleet's failure level; "
                                "health index {:.2f}, 1 at its healthy start, rising with damage)",
                                health, index)),
      std::string::npos)
      << text.out;
}

}  // namespace VIGIL_TEST_FILE
