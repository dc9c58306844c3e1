// Labelled feature windows on simulator recordings written as CWRU-layout MAT files into a temporary catalog:
// window counts from the recording lengths (and the decimation of a 48 kHz recording), labels and metadata
// from the catalog, features equal to a direct FeatureExtractor run on the simulated samples, the CSV round
// trip and its error paths, and folds that never put one recording on both sides.
#include "eval/labelled_windows.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "dsp/iir.hpp"
#include "io/catalog.hpp"
#include "io/mat_file.hpp"
#include "model/features.hpp"
#include "sim/simulator.hpp"

namespace vigil::eval {
namespace VIGIL_TEST_FILE {

using namespace vigil::model;

namespace fs = std::filesystem;

constexpr std::size_t k_window = 4096;
constexpr std::size_t k_fault_samples = 24000;  // 2 s at 12 kHz -> floor(24000 / 4096) = 5 windows
constexpr std::size_t k_healthy_samples =
    96000;  // 2 s at 48 kHz -> 24000 at 12 kHz, minus 1024 settling -> 5

class TempFolder {
 public:
  TempFolder() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / fmt::format("vigil-labelled-windows-{}{}", rd(), rd());
    fs::create_directories(path_);
  }
  ~TempFolder() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::vector<float> simulate(sim::FaultKind kind, double speed_rpm, double rate_hz, std::size_t samples,
                            std::uint64_t seed) {
  auto scenario = sim::Scenario::cwru_like(kind, speed_rpm);
  scenario.machine.sample_rate_hz = rate_hz;
  scenario.machine.noise_rms_g = 0.05;
  auto simulator = sim::Simulator::create(scenario, seed);
  EXPECT_TRUE(simulator.has_value()) << simulator.error().message;
  std::vector<float> x(samples);
  simulator->generate(x);
  return x;
}

struct SimRecording {
  int number;
  domain::FaultType fault;
  sim::FaultKind kind;
  int load_hp;
  double diameter_in;
  double rate_hz;
  double speed_rpm;
};

// 3 fault types x loads {0, 1} x sizes {0.007, 0.014} at 12 kHz, plus one healthy recording at 48 kHz.
std::vector<SimRecording> recordings() {
  std::vector<SimRecording> out{{97, domain::FaultType::normal, sim::FaultKind::none, 0, 0.0, 48000, 1796}};
  const std::pair<domain::FaultType, sim::FaultKind> kinds[] = {
      {domain::FaultType::inner_race, sim::FaultKind::inner_race},
      {domain::FaultType::outer_race, sim::FaultKind::outer_race},
      {domain::FaultType::ball, sim::FaultKind::ball}};
  int number = 100;
  for (const auto& [fault, kind] : kinds) {
    for (int load : {0, 1}) {
      for (double size : {0.007, 0.014})
        out.push_back({number++, fault, kind, load, size, 12000, 1797.0 - 25 * load});
    }
  }
  return out;
}

class LabelledWindowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string csv = "path,sample_rate_hz,channel,bearing,fault,rpm,load_hp,fault_diameter_in\n";
    std::uint64_t seed = 11;
    for (const auto& r : recordings_) {
      io::Recording rec;
      rec.sample_rate_hz = r.rate_hz;
      rec.speed_rpm = r.speed_rpm;
      const std::size_t n = r.rate_hz > 12000 ? k_healthy_samples : k_fault_samples;
      rec.channels.push_back({"DE", simulate(r.kind, r.speed_rpm, r.rate_hz, n, seed++)});
      samples_[r.number] = rec.channels.front().samples;
      const auto file = fmt::format("{}.mat", r.number);
      ASSERT_TRUE(io::write_cwru_mat(dir_.path() / file, rec, fmt::format("X{:03d}", r.number)).has_value());
      csv += fmt::format("{},{},DE,6205-2RS,{},{},{},{}\n", file, r.rate_hz, domain::to_string(r.fault),
                         r.speed_rpm, r.load_hp, r.diameter_in);
    }
    std::ofstream(dir_.path() / "catalog.csv") << csv;
    auto catalog = io::read_catalog(dir_.path() / "catalog.csv");
    ASSERT_TRUE(catalog.has_value()) << catalog.error().message;
    catalog_ = *catalog;
    auto windows = build_labelled_windows(catalog_);
    ASSERT_TRUE(windows.has_value()) << windows.error().message;
    windows_ = *windows;
  }

  TempFolder dir_;
  std::vector<SimRecording> recordings_ = recordings();
  std::map<int, std::vector<float>> samples_;
  io::Catalog catalog_;
  LabelledWindows windows_;
};

TEST_F(LabelledWindowsTest, CutsEveryRecordingIntoWholeDisjointWindowsWithItsCatalogLabels) {
  EXPECT_EQ(windows_.sample_rate_hz, 12000);
  EXPECT_EQ(windows_.window_len, k_window);
  std::map<std::string, std::vector<const WindowRow*>> by_file;
  for (const auto& row : windows_.rows) by_file[row.recording].push_back(&row);
  ASSERT_EQ(by_file.size(), recordings_.size());
  for (const auto& r : recordings_) {
    const auto& rows = by_file[fmt::format("{}.mat", r.number)];
    // Expected counts from the lengths alone: 12 kHz files floor(24000 / 4096) = 5; the 48 kHz file gives
    // 24000 samples after 4:1 decimation, 1024 of which are dropped while the anti-alias filter settles.
    const std::size_t usable = r.rate_hz > 12000 ? k_healthy_samples / 4 - 1024 : k_fault_samples;
    ASSERT_EQ(rows.size(), usable / k_window) << r.number;
    for (std::size_t k = 0; k < rows.size(); ++k) {
      EXPECT_EQ(rows[k]->fault, r.fault);
      EXPECT_EQ(rows[k]->load_hp, r.load_hp);
      EXPECT_EQ(rows[k]->fault_diameter_in, r.diameter_in);
      EXPECT_EQ(rows[k]->speed_rpm, r.speed_rpm);
      EXPECT_EQ(rows[k]->start_sample, k * k_window);
      ASSERT_EQ(rows[k]->features.size(), k_classifier_feature_count);
      for (float f : rows[k]->features) EXPECT_TRUE(std::isfinite(f));
    }
  }
}

TEST_F(LabelledWindowsTest, FeaturesAreThoseOfTheSimulatedSamplesWindowByWindow) {
  // A 12 kHz recording goes through the MAT file (float -> double -> float: exact) and is not resampled, so
  // its rows must equal a direct extraction from the simulator's samples, bit for bit.
  auto extractor = FeatureExtractor::create({.sample_rate_hz = 12000,
                                             .window_len = k_window,
                                             .bearing = *dsp::find_bearing("6205-2RS"),
                                             .max_speed_rpm = 3600,
                                             .unit = dsp::AccelerationUnit::g,
                                             .speed_tolerance = 0.02,
                                             .effort = dsp::PlanEffort::estimate});
  ASSERT_TRUE(extractor.has_value());
  const auto& r = recordings_[5];
  const auto& x = samples_[r.number];
  std::size_t k = 0;
  for (const auto& row : windows_.rows) {
    if (row.recording != fmt::format("{}.mat", r.number)) continue;
    auto f = extractor->extract(std::span<const float>(x).subspan(k * k_window, k_window), r.speed_rpm);
    ASSERT_TRUE(f.has_value());
    const auto v = extractor->classifier_features();
    for (std::size_t j = 0; j < k_classifier_feature_count; ++j)
      EXPECT_EQ(row.features[j], v[j]) << "window " << k << " feature " << j;
    // The physics verdict is the edge's: diag::weigh of the same window's evidence.
    const auto& a = extractor->analysis();
    const auto physics =
        diag::weigh({.evidence = a.evidence, .kurtosis = a.time.kurtosis, .iso_zone = a.iso_zone});
    EXPECT_EQ(row.physics, physics.verdict) << "window " << k;
    EXPECT_EQ(row.physics_confidence, physics.confidence) << "window " << k;
    ++k;
  }
  EXPECT_EQ(k, 5u);
}

TEST_F(LabelledWindowsTest, AHopShorterThanTheWindowGivesOverlappingWindowsOfTheSameSamples) {
  LabelledWindowsConfig config;
  config.hop = k_window / 4;
  auto overlapping = build_labelled_windows(catalog_, config);
  ASSERT_TRUE(overlapping.has_value()) << overlapping.error().message;
  EXPECT_EQ(overlapping->hop, k_window / 4);
  EXPECT_EQ(windows_.hop, k_window);  // default: disjoint
  // Every 4th overlapping window of a recording starts where a disjoint one does and has its features; the
  // count follows from the usable length: floor((usable - window) / hop) + 1.
  const auto& r = recordings_[5];
  const std::string file = fmt::format("{}.mat", r.number);
  std::vector<const WindowRow*> disjoint, all;
  for (const auto& row : windows_.rows)
    if (row.recording == file) disjoint.push_back(&row);
  for (const auto& row : overlapping->rows)
    if (row.recording == file) all.push_back(&row);
  ASSERT_EQ(all.size(), (k_fault_samples - k_window) / (k_window / 4) + 1);
  for (std::size_t k = 0; k < all.size(); ++k) EXPECT_EQ(all[k]->start_sample, k * (k_window / 4));
  for (std::size_t k = 0; k < disjoint.size(); ++k) EXPECT_EQ(all[4 * k]->features, disjoint[k]->features);

  config.hop = k_window + 1;
  auto gaps = build_labelled_windows(catalog_, config);
  ASSERT_FALSE(gaps.has_value());
  EXPECT_EQ(gaps.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(gaps.error().message.find("hop"), std::string::npos);
}

TEST_F(LabelledWindowsTest, FoldsNeverPutOneRecordingOnBothSides) {
  for (auto split : {SplitKind::by_load, SplitKind::by_size}) {
    auto folds = make_folds(windows_, split, 2);
    ASSERT_TRUE(folds.has_value()) << folds.error().message;
    ASSERT_EQ(folds->size(), 2u) << to_string(split);  // loads {0, 1}, sizes {0.007, 0.014}
    std::multiset<std::size_t> tested;
    for (const auto& fold : *folds) {
      std::set<std::string> train_side, test_side;
      for (auto i : fold.train) train_side.insert(windows_.rows[i].recording);
      for (auto i : fold.validation) train_side.insert(windows_.rows[i].recording);
      for (auto i : fold.test) test_side.insert(windows_.rows[i].recording);
      for (const auto& name : test_side) EXPECT_FALSE(train_side.contains(name)) << fold.name << ": " << name;
      std::set<std::string> val_side, fit_side;
      for (auto i : fold.validation) val_side.insert(windows_.rows[i].recording);
      for (auto i : fold.train) fit_side.insert(windows_.rows[i].recording);
      for (const auto& name : val_side) EXPECT_FALSE(fit_side.contains(name)) << fold.name << ": " << name;
      // Validation: within each class, 2 training recordings, every 2nd (the first) held back: 3 recordings.
      EXPECT_EQ(val_side.size(), 3u) << fold.name;
      EXPECT_EQ(fit_side.size(), 3u) << fold.name;
      EXPECT_EQ(test_side.size(), 6u) << fold.name;
      for (auto i : fold.test) {
        const auto& row = windows_.rows[i];
        EXPECT_EQ(split == SplitKind::by_load ? row.load_hp : row.fault_diameter_in, fold.held_out_value);
        tested.insert(i);
      }
      for (auto i : fold.train) EXPECT_NE(windows_.rows[i].fault, domain::FaultType::normal);
    }
    // Every fault window is tested exactly once over the folds; healthy windows never are.
    std::size_t fault_rows = 0;
    for (std::size_t i = 0; i < windows_.rows.size(); ++i) {
      if (windows_.rows[i].fault == domain::FaultType::normal) {
        EXPECT_EQ(tested.count(i), 0u);
      } else {
        ++fault_rows;
        EXPECT_EQ(tested.count(i), 1u);
      }
    }
    EXPECT_EQ(tested.size(), fault_rows);
  }
}

TEST_F(LabelledWindowsTest, CsvRoundTripIsExact) {
  const auto path = dir_.path() / "windows.csv";
  ASSERT_TRUE(write_windows_csv(windows_, path).has_value());
  auto back = read_windows_csv(path);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->sample_rate_hz, windows_.sample_rate_hz);
  EXPECT_EQ(back->window_len, windows_.window_len);
  EXPECT_EQ(back->hop, windows_.hop);
  ASSERT_EQ(back->rows.size(), windows_.rows.size());
  for (std::size_t i = 0; i < windows_.rows.size(); ++i) {
    const auto& a = windows_.rows[i];
    const auto& b = back->rows[i];
    EXPECT_EQ(a.recording, b.recording);
    EXPECT_EQ(a.fault, b.fault);
    EXPECT_EQ(a.load_hp, b.load_hp);
    EXPECT_EQ(a.fault_diameter_in, b.fault_diameter_in);
    EXPECT_EQ(a.speed_rpm, b.speed_rpm);
    EXPECT_EQ(a.start_sample, b.start_sample);
    EXPECT_EQ(a.features, b.features);  // 9 significant digits round-trip a float exactly
  }
}

// ---- Error paths.

std::string valid_csv_line(std::string_view fault = "ball", std::string_view feature0 = "1.5") {
  std::string line = fmt::format("105.mat,{},0,0.007,1797,0,{}", fault, feature0);
  for (std::size_t j = 1; j < k_classifier_feature_count; ++j) line += ",0.25";
  return line;
}

std::string header() {
  std::string h = "recording,fault,load_hp,fault_diameter_in,speed_rpm,start_sample";
  for (const auto& info : classifier_feature_schema()) h += fmt::format(",{}", info.name);
  return h;
}

TEST(LabelledWindowsCsv, ParsesAMinimalTableWithCrlfLineEnds) {
  auto t = parse_windows_csv(header() + "\r\n" + valid_csv_line() + "\r\n", "t.csv");
  ASSERT_TRUE(t.has_value()) << t.error().message;
  ASSERT_EQ(t->rows.size(), 1u);
  EXPECT_EQ(t->rows[0].fault, domain::FaultType::ball);
  EXPECT_EQ(t->rows[0].features[0], 1.5f);
}

TEST(LabelledWindowsCsv, RefusesMalformedInputNamingLineAndColumn) {
  auto bad_header = header();
  bad_header.replace(bad_header.find("rms_db"), 6, "rms_xx");
  const struct {
    std::string text;
    std::string expected;
  } cases[] = {
      {"", "no header"},
      {bad_header + "\n" + valid_csv_line(), "header does not match"},
      {header() + "\n" + valid_csv_line() + ",7", "line 2: 51 fields, expected 50"},
      {header() + "\n" + valid_csv_line("cracked"), "unknown fault 'cracked'"},
      {header() + "\n" + valid_csv_line("ball", "abc"), "column rms_db: 'abc'"},
      {header() + "\n" + valid_csv_line("ball", "nan"), "column rms_db: 'nan'"},
      {header() + "\n" + valid_csv_line("ball", "inf"), "column rms_db: 'inf'"},
      {"# vigil labelled windows: sample_rate_hz=12000 window_len=4096 schema=99\n" + header(), "schema 99"},
      {header() + "\n" + std::string("105.mat,ball,0,0.007,1797,-3") +
           valid_csv_line().substr(valid_csv_line().find(",1.5")),
       "start_sample"},
  };
  for (const auto& c : cases) {
    auto t = parse_windows_csv(c.text, "t.csv");
    ASSERT_FALSE(t.has_value()) << c.expected;
    EXPECT_EQ(t.error().code == ErrorCode::parse || t.error().code == ErrorCode::unsupported, true);
    EXPECT_NE(t.error().message.find(c.expected), std::string::npos) << t.error().message;
  }
  EXPECT_FALSE(read_windows_csv("/nonexistent/windows.csv").has_value());
}

TEST_F(LabelledWindowsTest, FoldsNeedTwoValuesAndTheSplitMetadata) {
  // Only load 0: nothing to leave out.
  LabelledWindows one_load = windows_;
  std::erase_if(one_load.rows, [](const WindowRow& r) { return r.load_hp != 0; });
  auto folds = make_folds(one_load, SplitKind::by_load);
  ASSERT_FALSE(folds.has_value());
  EXPECT_NE(folds.error().message.find("two distinct"), std::string::npos) << folds.error().message;
  // A fault row without a diameter cannot be placed by size.
  LabelledWindows missing = windows_;
  missing.rows.back().fault_diameter_in = -1;
  folds = make_folds(missing, SplitKind::by_size);
  ASSERT_FALSE(folds.has_value());
  EXPECT_NE(folds.error().message.find("fault_diameter_in"), std::string::npos) << folds.error().message;
  // A class present only at the held-out value has nothing to learn from.
  LabelledWindows lonely = windows_;
  std::erase_if(lonely.rows,
                [](const WindowRow& r) { return r.fault == domain::FaultType::ball && r.load_hp == 0; });
  folds = make_folds(lonely, SplitKind::by_load);
  ASSERT_FALSE(folds.has_value());
  EXPECT_NE(folds.error().message.find("class ball has no training recording"), std::string::npos)
      << folds.error().message;
  EXPECT_FALSE(parse_split_kind("random").has_value());
  EXPECT_EQ(*parse_split_kind("by-size"), SplitKind::by_size);
}

TEST_F(LabelledWindowsTest, RefusesARateThatIsNotAMultipleAndAnUnknownSpeed) {
  io::Catalog odd = catalog_;
  odd.entries.resize(2);
  odd.entries[1].sample_rate_hz = 11000;
  auto w = build_labelled_windows(odd);
  ASSERT_FALSE(w.has_value());
  EXPECT_EQ(w.error().code, ErrorCode::unsupported);
  EXPECT_NE(w.error().message.find("11000"), std::string::npos) << w.error().message;

  // A file without an RPM variable and an empty rpm cell.
  io::Recording rec;
  rec.sample_rate_hz = 12000;
  rec.channels.push_back({"DE", simulate(sim::FaultKind::ball, 1797, 12000, k_fault_samples, 3)});
  ASSERT_TRUE(io::write_cwru_mat(dir_.path() / "300.mat", rec, "X300").has_value());
  io::Catalog no_speed;
  no_speed.source = "catalog.csv";
  no_speed.entries.push_back(catalog_.entries[1]);
  no_speed.entries[0].path = dir_.path() / "300.mat";
  no_speed.entries[0].speed_rpm.reset();
  w = build_labelled_windows(no_speed);
  ASSERT_FALSE(w.has_value());
  EXPECT_NE(w.error().message.find("shaft speed is unknown"), std::string::npos) << w.error().message;
}

}  // namespace VIGIL_TEST_FILE
}  // namespace vigil::eval
