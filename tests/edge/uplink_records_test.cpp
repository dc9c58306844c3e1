// What a queued record becomes on the wire: the evidence record of a decision with spectra carries both in
// the compact layout (base64 in the record's JSON, Bytes metrics in the DDATA), decoded here by the layout's
// own decoder to the spectra that went in; a record whose spectrum text is damaged is refused naming it; an
// asset's birth offers the host's two commands as Boolean false.
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "edge/recorder.hpp"
#include "edge/uplink.hpp"
#include "proto/sparkplug_spectrum.hpp"

namespace vigil::edge {
namespace VIGIL_TEST_FILE {

namespace sp = proto::sparkplug;

sp::CompactSpectrum spectrum(sp::SpectrumKind kind, std::vector<float> bins) {
  sp::CompactSpectrum s;
  s.kind = kind;
  s.bin_hz = 0.5f;
  s.first_bin_hz = kind == sp::SpectrumKind::velocity_mm_s ? 10.0f : 0.0f;
  s.window_end_ms = 1'700'000'000'000;
  s.amplitude = std::move(bins);
  s.lines.push_back({.kind = sp::DefectLine::bpfo,
                     .harmonic = 1,
                     .detected = true,
                     .frequency_hz = 107.5f,
                     .amplitude = 1.0f,
                     .snr_db = 6.0f});
  return s;
}

Decision warning_with_spectra() {
  Decision d;
  d.window_index = 42;
  d.end_ns = 1'700'000'000'000'000'000;
  d.level = AlertLevel::warning;
  d.report_changed = true;
  d.spectra = std::make_shared<const EvidenceSpectra>(
      EvidenceSpectra{.velocity = spectrum(sp::SpectrumKind::velocity_mm_s, {0.5f, 4.0f, 1.25f}),
                      .envelope = spectrum(sp::SpectrumKind::envelope_g2, {0.0f, 2.0f, 65535.0f, 3.0f})});
  return d;
}

const sp::Metric* find(const std::vector<sp::Metric>& metrics, std::string_view name) {
  for (const auto& m : metrics)
    if (m.name == name) return &m;
  return nullptr;
}

TEST(UplinkRecords, EvidenceCarriesBothSpectraAsBytesInTheCompactLayout) {
  const Decision d = warning_with_spectra();
  const std::string text = evidence_record({"pump-7", "pump 7 drive end"}, d);
  store::QueuedRecord rec{.id = 9,
                          .record = {.record_class = store::RecordClass::evidence,
                                     .asset = "pump-7",
                                     .source_time_ms = 1'700'000'000'000,
                                     .payload = {text.begin(), text.end()}}};
  auto metrics = record_metrics(rec, false);
  ASSERT_TRUE(metrics) << metrics.error().message;
  const std::pair<const char*, const sp::CompactSpectrum*> expected[] = {
      {"Evidence/Spectrum", &d.spectra->velocity}, {"Evidence/Envelope spectrum", &d.spectra->envelope}};
  for (const auto& [name, want] : expected) {
    const sp::Metric* m = find(*metrics, name);
    ASSERT_NE(m, nullptr) << name;
    EXPECT_EQ(m->datatype, sp::DataType::bytes);
    const auto* bytes = std::get_if<sp::Bytes>(&m->value);
    ASSERT_NE(bytes, nullptr) << name;
    // 32-byte header, 2 bytes per bin, 16 per line (docs/formats/sparkplug.md).
    EXPECT_EQ(bytes->size(), 32 + 2 * want->amplitude.size() + 16 * want->lines.size()) << name;
    auto back = sp::decode_spectrum(*bytes);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->kind, want->kind);
    EXPECT_EQ(back->window_end_ms, want->window_end_ms);
    EXPECT_FLOAT_EQ(back->first_bin_hz, want->first_bin_hz);
    ASSERT_EQ(back->amplitude.size(), want->amplitude.size());
    const float top = *std::max_element(want->amplitude.begin(), want->amplitude.end());
    for (std::size_t k = 0; k < want->amplitude.size(); ++k)
      EXPECT_NEAR(back->amplitude[k], want->amplitude[k], top / 131070.0f * 1.01f) << name << " bin " << k;
    ASSERT_EQ(back->lines.size(), 1u);
    EXPECT_TRUE(back->lines[0].detected);
  }
}

TEST(UplinkRecords, ADamagedSpectrumIsRefusedNamingTheRecordAndTheKey) {
  const Decision d = warning_with_spectra();
  auto j = nlohmann::json::parse(evidence_record({"pump-7", ""}, d));
  j["envelope_spectrum"] = "not*base64";
  const std::string text = j.dump();
  store::QueuedRecord rec{.id = 77,
                          .record = {.record_class = store::RecordClass::evidence,
                                     .asset = "pump-7",
                                     .source_time_ms = 1,
                                     .payload = {text.begin(), text.end()}}};
  auto metrics = record_metrics(rec, false);
  ASSERT_FALSE(metrics);
  EXPECT_NE(metrics.error().message.find("record 77"), std::string::npos) << metrics.error().message;
  EXPECT_NE(metrics.error().message.find("envelope_spectrum"), std::string::npos) << metrics.error().message;
}

TEST(UplinkRecords, EvidenceWithoutSpectraHasNoSpectrumMetrics) {
  Decision d = warning_with_spectra();
  d.spectra.reset();
  const std::string text = evidence_record({"pump-7", ""}, d);
  store::QueuedRecord rec{.id = 1,
                          .record = {.record_class = store::RecordClass::evidence,
                                     .asset = "pump-7",
                                     .source_time_ms = 1,
                                     .payload = {text.begin(), text.end()}}};
  auto metrics = record_metrics(rec, true);
  ASSERT_TRUE(metrics) << metrics.error().message;
  EXPECT_EQ(find(*metrics, "Evidence/Spectrum"), nullptr);
  ASSERT_NE(find(*metrics, "Evidence/Lines"), nullptr);
  EXPECT_TRUE(find(*metrics, "Evidence/Lines")->is_historical);
}

TEST(UplinkRecords, BirthOffersTheHostsCommandsAsBooleanFalse) {
  AssetConfig asset;
  asset.id = "pump-7";
  const auto birth = asset_birth_metrics(asset);
  for (std::string_view name : {k_rebaseline_command, k_send_evidence_command}) {
    const sp::Metric* m = find(birth, name);
    ASSERT_NE(m, nullptr) << name;
    EXPECT_EQ(m->datatype, sp::DataType::boolean);
    ASSERT_TRUE(std::holds_alternative<bool>(m->value));
    EXPECT_FALSE(std::get<bool>(m->value));
  }
  ASSERT_NE(find(birth, "Evidence/Spectrum"), nullptr);
  EXPECT_TRUE(find(birth, "Evidence/Spectrum")->is_null);
}

TEST(UplinkRecords, TelemetryCarriesTheBaselineProgressOnlyOfAnAssetThatCommissions) {
  Decision d;
  d.end_ns = 5'000'000'000;
  d.speed_rpm = 1797;
  const auto metrics_of = [](const std::string& text) {
    store::QueuedRecord rec{.id = 3,
                            .record = {.record_class = store::RecordClass::telemetry,
                                       .asset = "pump-7",
                                       .source_time_ms = 5000,
                                       .payload = {text.begin(), text.end()}}};
    return record_metrics(rec, false);
  };
  // 0.4567 of the baseline recorded: sent rounded to a thousandth, as a Double.
  auto with = metrics_of(telemetry_record({"pump-7", ""}, d, 0.4567));
  ASSERT_TRUE(with) << with.error().message;
  const sp::Metric* progress = find(*with, "Baseline/Progress");
  ASSERT_NE(progress, nullptr);
  EXPECT_EQ(progress->datatype, sp::DataType::float64);
  EXPECT_DOUBLE_EQ(std::get<double>(progress->value), 0.457);
  EXPECT_EQ(progress->timestamp_ms, 5000u);
  auto without = metrics_of(telemetry_record({"pump-7", ""}, d));
  ASSERT_TRUE(without) << without.error().message;
  EXPECT_EQ(find(*without, "Baseline/Progress"), nullptr);
  // The birth declares it (null until the first telemetry).
  const auto birth = asset_birth_metrics(AssetConfig{});
  ASSERT_NE(find(birth, "Baseline/Progress"), nullptr);
  EXPECT_TRUE(find(birth, "Baseline/Progress")->is_null);
}

TEST(ModelVersions, TheNodeListsEachDistinctVersionOncePerKindInAssetOrder) {
  const auto v = distinct_versions({{.anomaly = "2026-11-30T10:00:00Z", .classifier = "2026-11-29T08:00:00Z"},
                                    {.anomaly = "commissioned"},
                                    {},
                                    {.anomaly = "commissioned", .rul = "2026-12-01T00:00:00Z"},
                                    {.classifier = "2026-11-29T08:00:00Z"}});
  EXPECT_EQ(v[0], "2026-11-30T10:00:00Z, commissioned");
  EXPECT_EQ(v[1], "2026-11-29T08:00:00Z");
  EXPECT_EQ(v[2], "2026-12-01T00:00:00Z");
  const auto none = distinct_versions({{}, {}});
  EXPECT_TRUE(none[0].empty() && none[1].empty() && none[2].empty());
  // The decision log's text names the kinds present, in that order.
  EXPECT_EQ((ModelVersions{.anomaly = "a1", .rul = "r1"}.text()), "anomaly a1, rul r1");
  EXPECT_EQ(ModelVersions{}.text(), "");
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::edge
