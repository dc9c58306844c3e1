// The feature cache's bytes (eval/feature_cache.hpp): what is written reads back exactly, and every way the
// bytes can be wrong (not JSON, another key, counts, rows, non-finite or out-of-order values) is refused.
#include "eval/feature_cache.hpp"

#include <string>

#include <gtest/gtest.h>

namespace vigil::eval {
namespace VIGIL_TEST_FILE {

using model::LifeFeatures;

const nlohmann::json k_key = {{"format", "vigil-rul-features"}, {"snapshots", 3}, {"channel", "horizontal"}};

LifeFeatures three_snapshots() {
  LifeFeatures l{"B", {0, 10, 20}, {{-1.5, 1.1}, {-1.4, 1.2}, {-1.3, 1.25}}, {}};
  for (std::size_t i = 0; i < 3; ++i) {
    model::SchemaFeatures x{};
    for (std::size_t k = 0; k < x.size(); ++k) x[k] = 0.1f * static_cast<float>(i * 100 + k);
    l.schema.push_back(x);
  }
  return l;
}

nlohmann::json cache_json() { return nlohmann::json::parse(feature_cache_bytes(k_key, three_snapshots())); }

TEST(FeatureCache, WrittenBytesReadBackExactly) {
  const LifeFeatures l = three_snapshots();
  auto back = parse_feature_cache(feature_cache_bytes(k_key, l), k_key, "B");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->name, "B");
  EXPECT_EQ(back->time_s, l.time_s);
  EXPECT_EQ(back->features, l.features);
  EXPECT_EQ(back->schema, l.schema);
  // Hand-written bytes in the documented layout read too.
  nlohmann::json j = cache_json();
  EXPECT_EQ(j["time_s"], nlohmann::json({0.0, 10.0, 20.0}));
  EXPECT_EQ(j["log_features"][1], nlohmann::json({-1.4, 1.2}));
}

TEST(FeatureCache, RefusesEveryMismatchOrDamage) {
  auto refused = [](const std::string& bytes, const nlohmann::json& key = k_key) {
    return !parse_feature_cache(bytes, key, "B").has_value();
  };
  auto edited = [](auto change) {
    nlohmann::json j = cache_json();
    change(j);
    return j.dump();
  };
  EXPECT_TRUE(refused(""));
  EXPECT_TRUE(refused("{\"key\": "));
  EXPECT_TRUE(refused("[1, 2, 3]"));
  EXPECT_TRUE(
      refused(cache_json().dump(), {{"format", "vigil-rul-features"}, {"snapshots", 4}}));  // other key
  nlohmann::json no_count = k_key;
  no_count.erase("snapshots");
  EXPECT_TRUE(refused(edited([&](nlohmann::json& j) { j["key"] = no_count; }), no_count));
  nlohmann::json negative = k_key;
  negative["snapshots"] = -3;
  EXPECT_TRUE(refused(edited([&](nlohmann::json& j) { j["key"] = negative; }), negative));
  EXPECT_TRUE(refused(edited([](nlohmann::json& j) { j["time_s"].erase(2); })));
  EXPECT_TRUE(refused(edited([](nlohmann::json& j) { j.erase("schema"); })));
  EXPECT_TRUE(refused(edited([](nlohmann::json& j) { j["time_s"][2] = 10.0; })));  // not increasing
  EXPECT_TRUE(refused(edited([](nlohmann::json& j) { j["time_s"][0] = "0"; })));
  EXPECT_TRUE(refused(edited([](nlohmann::json& j) { j["log_features"][1] = {1.0}; })));
  EXPECT_TRUE(refused(
      edited([](nlohmann::json& j) { j["log_features"][1][0] = nullptr; })));  // NaN is written as null
  EXPECT_TRUE(refused(edited([](nlohmann::json& j) { j["schema"][0].erase(0); })));
  EXPECT_TRUE(refused(edited([](nlohmann::json& j) { j["schema"][2][5] = 1e300; })));  // not a finite float
  EXPECT_TRUE(refused(edited([](nlohmann::json& j) { j["schema"][2] = "x"; })));
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::eval
