// The read routes over a store filled through its own interface, checked against hand-computed values:
// pages that chain with their cursors, a downsampled series, an asset's state, evidence in base64, the
// edge nodes, and the metrics endpoint.
#include <gtest/gtest.h>

#include "hub_api/api_fixture.hpp"

namespace vigil::hub::api::test {
namespace VIGIL_TEST_FILE {

using StoreRoutesTest = ApiTest;

TEST_P(StoreRoutesTest, EveryPageChainsToTheNextUntilNull) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(*shared_->with([&](store::Store& s) {
      return s.registry().register_asset("plant", "e1", fmt::format("pump{}", i), 5);
    }));
  std::vector<std::int64_t> seen;
  std::string target = "/api/v1/assets?limit=2";
  for (int pages = 0; pages < 10; ++pages) {
    const auto reply = call("GET", target, viewer_);
    ASSERT_EQ(reply.status, 200) << reply.body;
    const auto page = json(reply);
    for (const auto& a : page["items"]) seen.push_back(a["id"].get<std::int64_t>());
    if (page["next"].is_null()) break;
    target = fmt::format("/api/v1/assets?limit=2&after={}", page["next"].get<std::int64_t>());
  }
  EXPECT_EQ(seen, ids);
  EXPECT_EQ(json(call("GET", "/api/v1/assets?limit=5", viewer_))["next"], ids.back());  // a full last page
  EXPECT_TRUE(
      json(call("GET", fmt::format("/api/v1/assets?after={}", ids.back()), viewer_))["items"].empty());

  const auto site = *shared_->with([](store::Store& s) { return s.registry().add_site("north"); });
  for (const auto* name : {"line A", "line B", "line C"})
    ASSERT_TRUE(shared_->with([&](store::Store& s) { return s.registry().add_line(site, name); }));
  const auto first = json(call("GET", fmt::format("/api/v1/sites/{}/lines?limit=2", site), viewer_));
  ASSERT_EQ(first["items"].size(), 2u);
  EXPECT_EQ(first["items"][1]["name"], "line B");
  const auto rest = json(
      call("GET", fmt::format("/api/v1/sites/{}/lines?after={}", site, first["next"].get<std::int64_t>()),
           viewer_));
  ASSERT_EQ(rest["items"].size(), 1u);
  EXPECT_EQ(rest["items"][0]["name"], "line C");
  EXPECT_TRUE(rest["next"].is_null());
  EXPECT_EQ(call("GET", "/api/v1/sites/999/lines", viewer_).status, 404);
  const auto sites = json(call("GET", "/api/v1/sites", viewer_));
  EXPECT_EQ(sites["items"][0]["name"], "north");

  for (const auto* node : {"e2", "e3"})
    ASSERT_TRUE(shared_->with([&](store::Store& s) { return s.registry().node_birth("plant", node, 0, 7); }));
  const auto nodes = json(call("GET", "/api/v1/edge-nodes?limit=1", viewer_));
  ASSERT_EQ(nodes["items"].size(), 1u);
  EXPECT_EQ(nodes["items"][0]["node_id"], "e2");
  const auto more =
      json(call("GET", fmt::format("/api/v1/edge-nodes?after={}", nodes["next"].get<int>()), viewer_));
  ASSERT_EQ(more["items"].size(), 1u);
  EXPECT_EQ(more["items"][0]["node_id"], "e3");
  EXPECT_TRUE(more["next"].is_null());
}

TEST_P(StoreRoutesTest, ASeriesIsDownsampledToMinAndMaxPerBucket) {
  const auto asset =
      *shared_->with([](store::Store& s) { return s.registry().register_asset("plant", "e1", "p", 5); });
  // An hour at 1 s: value i at t = i s. In 60 buckets of 60 s, bucket k holds 60k .. 60k + 59, mean 60k
  // + 29.5.
  std::vector<store::Sample> samples;
  for (int i = 0; i < 3600; ++i) samples.push_back({asset, "velocity_rms_mm_s", i * 1000LL, double(i)});
  ASSERT_TRUE(shared_->with([&](store::Store& s) { return s.series().write_live(samples); }));
  const auto reply = call(
      "GET", fmt::format("/api/v1/assets/{}/series/velocity_rms_mm_s?from=0&to=3600000&points=60", asset),
      viewer_);
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto body = json(reply);
  EXPECT_EQ(body["bucket_ms"], 60000);
  ASSERT_EQ(body["items"].size(), 60u);
  for (int k = 0; k < 60; ++k) {
    const auto& b = body["items"][k];
    EXPECT_EQ(b["start_ms"], k * 60000);
    EXPECT_EQ(b["min"], 60 * k);
    EXPECT_EQ(b["max"], 60 * k + 59);
    EXPECT_DOUBLE_EQ(b["mean"].get<double>(), 60 * k + 29.5);
    EXPECT_EQ(b["count"], 60);
  }
  // A metric name with '/' is one percent-encoded path segment.
  ASSERT_TRUE(shared_->with([&](store::Store& s) {
    return s.series().write_live(std::vector<store::Sample>{{asset, "Health/Index", 1000, 0.25}});
  }));
  const auto slash = json(call(
      "GET", fmt::format("/api/v1/assets/{}/series/Health%2FIndex?from=0&to=2000&points=1", asset), viewer_));
  ASSERT_EQ(slash["items"].size(), 1u);
  EXPECT_EQ(slash["items"][0]["max"], 0.25);
}

// The plant's places, built by people: an admin adds a site and a line and puts an asset on it, an operator
// names the asset's measurement points; a viewer may do none of it; each is in the audit log; adding a name
// again finds the one there.
TEST_P(StoreRoutesTest, AnAdminPlacesAnAssetAndAnOperatorNamesItsPoints) {
  const auto asset =
      *shared_->with([](store::Store& s) { return s.registry().register_asset("plant", "e1", "pump7", 5); });
  EXPECT_EQ(call("POST", "/api/v1/sites", viewer_, R"({"name":"North"})").status, 403);
  EXPECT_EQ(call("POST", "/api/v1/sites", operator_, R"({"name":"North"})").status, 403);
  auto site = call("POST", "/api/v1/sites", admin_, R"({"name":"North"})");
  ASSERT_EQ(site.status, 201) << site.body;
  const std::int64_t site_id = json(site)["id"];
  EXPECT_EQ(json(call("POST", "/api/v1/sites", admin_, R"({"name":"North"})"))["id"], site_id);
  auto line = call("POST", fmt::format("/api/v1/sites/{}/lines", site_id), admin_, R"({"name":"Line 3"})");
  ASSERT_EQ(line.status, 201) << line.body;
  const std::int64_t line_id = json(line)["id"];
  EXPECT_EQ(call("POST", "/api/v1/sites/999/lines", admin_, R"({"name":"Line 9"})").status, 404);
  ASSERT_EQ(call("PATCH", fmt::format("/api/v1/assets/{}", asset), operator_,
                 nlohmann::json{{"line_id", line_id}}.dump())
                .status,
            200);
  EXPECT_EQ(json(call("GET", fmt::format("/api/v1/assets/{}", asset), viewer_))["line_id"], line_id);
  const std::string points = fmt::format("/api/v1/assets/{}/points", asset);
  EXPECT_EQ(call("POST", points, viewer_, R"({"name":"drive end, horizontal"})").status, 403);
  ASSERT_EQ(call("POST", points, operator_, R"({"name":"drive end, horizontal"})").status, 201);
  ASSERT_EQ(call("POST", points, operator_, R"({"name":"non-drive end"})").status, 201);
  EXPECT_EQ(call("POST", points, operator_, R"({"name":""})").status, 400);
  EXPECT_EQ(call("POST", points, operator_, R"({"name":"x","colour":"red"})").status, 400);
  const auto listed = json(call("GET", points, viewer_));
  ASSERT_EQ(listed["items"].size(), 2u);
  EXPECT_EQ(listed["items"][0]["name"], "drive end, horizontal");
  EXPECT_EQ(raw_count("points"), 2);
  EXPECT_EQ(raw_count("sites"), 1);
  EXPECT_EQ(
      raw_text("SELECT count(*) FROM audit WHERE action IN ('site.create', 'line.create', 'point.create')"),
      "5");  // two sites (the repeat too: someone asked), a line, two points; nothing refused
}

TEST_P(StoreRoutesTest, StateAndEvidenceComeBackAsStored) {
  const auto asset =
      *shared_->with([](store::Store& s) { return s.registry().register_asset("plant", "e1", "p", 5); });
  ASSERT_TRUE(shared_->with([&](store::Store& s) -> Status {
    if (auto ok = s.series().write_live(std::vector<store::Sample>{{asset, "speed_rpm", 2000, 1480.5}}); !ok)
      return ok;
    if (auto ok =
            s.state().write_texts(std::vector<store::TextValue>{{asset, "Alert/Level", 2000, "warning"}});
        !ok)
      return ok;
    for (std::int64_t t : {1000, 2000, 3000})
      if (auto ok = s.state().add_evidence(
              {asset, "Evidence/Spectrum", t, {1, 2, static_cast<std::uint8_t>(t / 1000)}});
          !ok)
        return ok;
    return {};
  }));
  const auto state = json(call("GET", fmt::format("/api/v1/assets/{}/state", asset), viewer_));
  EXPECT_EQ(state["numbers"],
            nlohmann::json::parse(R"([{"metric":"speed_rpm","ts_ms":2000,"value":1480.5}])"));
  EXPECT_EQ(state["texts"],
            nlohmann::json::parse(R"([{"metric":"Alert/Level","ts_ms":2000,"value":"warning"}])"));
  // Bytes 01 02 03 in base64 (RFC 4648) are "AQID"; 01 02 02 are "AQIC".
  const auto page = json(
      call("GET", fmt::format("/api/v1/assets/{}/evidence/Evidence%2FSpectrum?limit=2", asset), viewer_));
  ASSERT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(page["items"][0]["ts_ms"], 3000);
  EXPECT_EQ(page["items"][0]["data_base64"], "AQID");
  EXPECT_EQ(page["items"][1]["data_base64"], "AQIC");
  EXPECT_EQ(page["next"], 2000);
  const auto last = json(
      call("GET", fmt::format("/api/v1/assets/{}/evidence/Evidence%2FSpectrum?limit=2&before=2000", asset),
           viewer_));
  ASSERT_EQ(last["items"].size(), 1u);
  EXPECT_EQ(last["items"][0]["ts_ms"], 1000);
  EXPECT_TRUE(last["next"].is_null());
  EXPECT_EQ(call("GET", "/api/v1/assets/77/state", viewer_).status, 404);
}

TEST_P(StoreRoutesTest, MetricsAreInThePrometheusTextFormat) {
  EXPECT_EQ(call("GET", "/healthz").status, 200);
  auto reply = call("GET", "/metrics", viewer_);
  ASSERT_EQ(reply.status, 200);
  EXPECT_EQ(reply.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  const auto& text = reply.body;
  EXPECT_NE(text.find("# TYPE vigil_http_requests_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE vigil_http_request_duration_seconds histogram\n"), std::string::npos);
  // This request's connection at least (the set-up's may still be closing).
  const auto open_at = text.find("\nvigil_http_connections_open ");
  ASSERT_NE(open_at, std::string::npos) << text;
  EXPECT_GE(std::stod(text.substr(open_at + 29)), 1.0);
  EXPECT_NE(text.find("vigil_api_live_connections 0\n"), std::string::npos);
  // Set up: 3 logins, 2 user creations; then /healthz: 6 answered 2xx before this one.
  EXPECT_NE(text.find("vigil_http_requests_total{code=\"2xx\"} 6\n"), std::string::npos) << text;
  EXPECT_NE(text.find("vigil_http_request_duration_seconds_bucket{le=\"+Inf\"} 6\n"), std::string::npos);
}

VIGIL_FOR_EACH_ENGINE(StoreRoutesTest);

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::hub::api::test
