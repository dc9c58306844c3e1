// CWRU recordings read with the MAT reader. Expected counts and speeds: the dataset README table
// (../shared/data/cwru/README.md); sample values: scipy.io.loadmat on the same files
// (/usr/bin/python3, scipy 1.10), compared after rounding to float (relative 1e-7).
#include <cmath>

#include <gtest/gtest.h>

#include "io/catalog.hpp"
#include "io/mat_file.hpp"
#include "support/test_data.hpp"

namespace vigil::io {
namespace VIGIL_TEST_FILE {

using vigil::test::data_dir;

void expect_float_of(float actual, double expected) {
  EXPECT_NEAR(actual, expected, 1e-7 * std::fabs(expected) + 1e-12);
}

double mean(const std::vector<float>& x) {
  double sum = 0;
  for (const float v : x) sum += v;
  return sum / static_cast<double>(x.size());
}

TEST(CwruData, File105HasDeFeBaAndStoredRpm) {
  VIGIL_REQUIRE_DATA("cwru/105.mat");
  MatReadOptions options;
  options.sample_rate_hz = 12000;
  auto rec = read_cwru_mat(data_dir() / "cwru/105.mat", options);
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  ASSERT_EQ(rec->channels.size(), 3u);
  for (const char* name : {"DE", "FE", "BA"}) {
    ASSERT_NE(rec->find_channel(name), nullptr) << name;
    EXPECT_EQ(rec->find_channel(name)->samples.size(), 121265u) << name;
  }
  EXPECT_EQ(rec->speed_rpm, 1797.0);
  const auto& de = rec->find_channel("DE")->samples;
  expect_float_of(de.front(), -0.08300435129740519);
  expect_float_of(de.back(), 0.26736822355289425);
  // Mean of the float-rounded samples, accumulated in double: 1e-9 covers summation order.
  EXPECT_NEAR(mean(de), 0.013443559451768972, 1e-9);
  expect_float_of(rec->find_channel("FE")->samples.front(), -0.40207454545454546);
  expect_float_of(rec->find_channel("BA")->samples.front(), 0.06466148367952523);
}

TEST(CwruData, File97HasDeFeOnly) {
  VIGIL_REQUIRE_DATA("cwru/97.mat");
  auto rec = read_cwru_mat(data_dir() / "cwru/97.mat");
  ASSERT_TRUE(rec.has_value()) << rec.error().message;
  ASSERT_EQ(rec->channels.size(), 2u);
  EXPECT_EQ(rec->channels[0].name, "DE");
  EXPECT_EQ(rec->channels[1].name, "FE");
  EXPECT_EQ(rec->sample_count(), 243938u);
  EXPECT_EQ(rec->channels[1].samples.size(), 243938u);
  EXPECT_EQ(rec->speed_rpm, 1796.0);  // stored value; the nominal speed would be 1797
  expect_float_of(rec->channels[0].samples.front(), 0.05319692307692307);
  expect_float_of(rec->channels[1].samples.back(), 0.09019454545454544);

  MatReadOptions ba;
  ba.channels = {"BA"};
  auto missing = read_cwru_mat(data_dir() / "cwru/97.mat", ba);
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("(variables: X097_DE_time, X097_FE_time, X097RPM)"),
            std::string::npos)
      << missing.error().message;
}

TEST(CwruData, ListsVariablesOf105) {
  VIGIL_REQUIRE_DATA("cwru/105.mat");
  auto vars = list_mat_variables(data_dir() / "cwru/105.mat");
  ASSERT_TRUE(vars.has_value()) << vars.error().message;
  ASSERT_EQ(vars->size(), 4u);
  for (const auto& v : *vars) {
    if (v.name == "X105RPM") {
      // MATLAB class double, stored as miUINT16 (array flags byte = 6 in the file; scipy shows
      // the stored type, hence "uint16" in the dataset README).
      EXPECT_EQ(v.class_name, "double");
      EXPECT_EQ(v.dims, (std::vector<std::size_t>{1, 1}));
    } else {
      EXPECT_EQ(v.class_name, "double");
      EXPECT_EQ(v.dims, (std::vector<std::size_t>{121265, 1}));
    }
  }
}

// Every catalog row: the file reads, has the catalogued channel, and its stored RPM equals the
// catalog's rpm column (the README says the column was taken from the X###RPM variables).
TEST(CwruData, EveryCatalogRowIsReadable) {
  VIGIL_REQUIRE_DATA("cwru/catalog.csv");
  auto cat = read_catalog(data_dir() / "cwru/catalog.csv");
  ASSERT_TRUE(cat.has_value()) << cat.error().message;
  ASSERT_EQ(cat->entries.size(), 37u);
  std::size_t faults = 0;
  for (const CatalogEntry& e : cat->entries) {
    SCOPED_TRACE(e.path.string());
    auto rec = read_entry(e);
    ASSERT_TRUE(rec.has_value()) << rec.error().message;
    ASSERT_NE(rec->find_channel(e.channel), nullptr);
    EXPECT_GE(rec->sample_count(), 121265u);
    EXPECT_LE(rec->sample_count(), 243938u);
    EXPECT_EQ(rec->sample_rate_hz, e.sample_rate_hz);
    ASSERT_TRUE(rec->speed_rpm.has_value());
    ASSERT_TRUE(e.speed_rpm.has_value());
    EXPECT_EQ(*rec->speed_rpm, *e.speed_rpm);
    EXPECT_TRUE(e.extra("load_hp").has_value());
    faults += e.fault != domain::FaultType::normal ? 1 : 0;
  }
  EXPECT_EQ(faults, 36u);
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::io
