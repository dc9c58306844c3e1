#include "eval/labelled_windows.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "diag/diagnosis.hpp"
#include "dsp/bearing.hpp"
#include "dsp/iir.hpp"
#include "model/features.hpp"

namespace vigil::eval {

using model::at_model_rate;
using model::classifier_feature_schema;
using model::FeatureExtractor;
using model::FeatureExtractorConfig;
using model::k_classifier_feature_count;
using model::k_feature_schema_version;
namespace {

constexpr std::string_view k_metadata_columns[] = {"recording",         "fault",     "load_hp",
                                                   "fault_diameter_in", "speed_rpm", "start_sample"};
constexpr std::size_t k_metadata_count = std::size(k_metadata_columns);

std::optional<double> parse_double(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

double extra_or(const io::CatalogEntry& entry, std::string_view key, double fallback) {
  auto text = entry.extra(key);
  if (!text || text->empty()) return fallback;
  return parse_double(*text).value_or(fallback);
}

std::string header_line() {
  std::string header;
  for (auto column : k_metadata_columns) header += fmt::format("{}{}", header.empty() ? "" : ",", column);
  for (const auto& info : classifier_feature_schema()) header += fmt::format(",{}", info.name);
  return header;
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t begin = 0;
  while (true) {
    const auto comma = line.find(',', begin);
    fields.push_back(
        line.substr(begin, comma == std::string_view::npos ? std::string_view::npos : comma - begin));
    if (comma == std::string_view::npos) break;
    begin = comma + 1;
  }
  return fields;
}

}  // namespace

std::pair<double, double> speed_range(const LabelledWindows& windows) {
  if (windows.rows.empty()) return {0, 0};
  auto [lo, hi] =
      std::minmax_element(windows.rows.begin(), windows.rows.end(),
                          [](const WindowRow& a, const WindowRow& b) { return a.speed_rpm < b.speed_rpm; });
  return {lo->speed_rpm, hi->speed_rpm};
}

Result<LabelledWindows> build_labelled_windows(const io::Catalog& catalog,
                                               const LabelledWindowsConfig& config) {
  if (!(config.sample_rate_hz > 0) || config.window_len < 256) {
    return fail(ErrorCode::invalid_argument,
                "labelled windows: need sample_rate_hz > 0 and window_len >= 256");
  }
  if (config.hop > config.window_len) {
    return fail(ErrorCode::invalid_argument,
                "labelled windows: hop {} exceeds window_len {} (samples between windows would be skipped)",
                config.hop, config.window_len);
  }
  LabelledWindows out;
  out.sample_rate_hz = config.sample_rate_hz;
  out.window_len = config.window_len;
  out.hop = config.hop == 0 ? config.window_len : config.hop;
  // One extractor per bearing designation (plans are built once).
  std::map<std::string, FeatureExtractor> extractors;
  for (const auto& entry : catalog.entries) {
    const std::string file = entry.path.filename().string();
    auto it = extractors.find(entry.bearing);
    if (it == extractors.end()) {
      auto bearing = dsp::find_bearing(entry.bearing);
      if (!bearing) return std::unexpected(bearing.error());
      auto extractor = FeatureExtractor::create({.sample_rate_hz = config.sample_rate_hz,
                                                 .window_len = config.window_len,
                                                 .bearing = *bearing,
                                                 .max_speed_rpm = config.max_speed_rpm,
                                                 .unit = dsp::AccelerationUnit::g,
                                                 .speed_tolerance = 0.02,
                                                 .effort = dsp::PlanEffort::estimate});
      if (!extractor) return std::unexpected(extractor.error());
      it = extractors.emplace(entry.bearing, std::move(*extractor)).first;
    }
    auto recording = io::read_entry(entry);
    if (!recording) return std::unexpected(recording.error());
    if (recording->channels.empty())
      return fail(ErrorCode::not_found, "{}: holds no vibration channel", file);
    const io::Channel* channel =
        entry.channel.empty() ? &recording->channels.front() : recording->find_channel(entry.channel);
    if (channel == nullptr) return fail(ErrorCode::not_found, "{}: no channel '{}'", file, entry.channel);
    // The catalog's speed, else the one the file states (CWRU's X###RPM).
    const std::optional<double> speed_rpm = entry.speed_rpm ? entry.speed_rpm : recording->speed_rpm;
    if (!speed_rpm) {
      return fail(ErrorCode::invalid_argument,
                  "{} line {}: {}: the shaft speed is unknown (rpm column empty, none in the file)",
                  catalog.source, entry.line, file);
    }

    auto samples = at_model_rate(channel->samples, entry.sample_rate_hz, config.sample_rate_hz,
                                 config.settle_samples, file);
    if (!samples) return std::unexpected(samples.error());
    const std::span<const float> x = *samples;

    const double load_hp = extra_or(entry, "load_hp", -1);
    const double diameter_in = extra_or(entry, "fault_diameter_in", -1);
    for (std::size_t start = 0; start + config.window_len <= x.size(); start += out.hop) {
      auto features = it->second.extract(x.subspan(start, config.window_len), *speed_rpm);
      if (!features) {
        return fail(features.error().code, "{}: window at sample {}: {}", file, start,
                    features.error().message);
      }
      const auto v = it->second.classifier_features();
      const diag::WindowFeatures& a = it->second.analysis();
      // The edge's physics verdict of this window (edge::AssetMonitor::process).
      const diag::VerdictScore physics =
          diag::weigh({.evidence = a.evidence, .kurtosis = a.time.kurtosis, .iso_zone = a.iso_zone});
      out.rows.push_back(WindowRow{.recording = file,
                                   .fault = entry.fault,
                                   .load_hp = load_hp,
                                   .fault_diameter_in = diameter_in,
                                   .speed_rpm = *speed_rpm,
                                   .start_sample = start,
                                   .features = std::vector<float>(v.begin(), v.end()),
                                   .physics = physics.verdict,
                                   .physics_confidence = physics.confidence});
    }
  }
  return out;
}

Status write_windows_csv(const LabelledWindows& windows, const std::filesystem::path& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return fail(ErrorCode::io, "{}: cannot open for writing", path.string());
  out << fmt::format("# vigil labelled windows: sample_rate_hz={} window_len={} hop={} schema={}\n",
                     windows.sample_rate_hz, windows.window_len,
                     windows.hop == 0 ? windows.window_len : windows.hop, k_feature_schema_version);
  out << header_line() << '\n';
  std::string line;
  for (const auto& row : windows.rows) {
    line = fmt::format("{},{},{},{},{},{}", row.recording, domain::to_string(row.fault), row.load_hp,
                       row.fault_diameter_in, row.speed_rpm, row.start_sample);
    for (float f : row.features) line += fmt::format(",{:.9g}", f);
    out << line << '\n';
  }
  out.flush();
  if (!out) return fail(ErrorCode::io, "{}: write failed", path.string());
  return {};
}

Result<LabelledWindows> parse_windows_csv(std::string_view text, std::string_view name) {
  LabelledWindows out;
  const std::string expected_header = header_line();
  const std::size_t columns = k_metadata_count + k_classifier_feature_count;
  std::size_t line_no = 0;
  bool have_header = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (line.front() == '#') {
      // "# vigil labelled windows: sample_rate_hz=12000 window_len=4096 hop=4096 schema=2"
      std::istringstream words{std::string(line.substr(1))};
      std::string word;
      while (words >> word) {
        const auto eq = word.find('=');
        if (eq == std::string::npos) continue;
        const auto key = std::string_view(word).substr(0, eq);
        const auto value = parse_double(std::string_view(word).substr(eq + 1));
        if (!value) continue;
        if (key == "sample_rate_hz") out.sample_rate_hz = *value;
        if (key == "window_len") out.window_len = static_cast<std::size_t>(*value);
        if (key == "hop") out.hop = static_cast<std::size_t>(*value);
        if (key == "schema" && *value != double(k_feature_schema_version)) {
          return fail(ErrorCode::unsupported, "{} line {}: feature schema {}, this build reads schema {}",
                      name, line_no, *value, k_feature_schema_version);
        }
      }
      continue;
    }
    if (!have_header) {
      if (line != expected_header) {
        return fail(ErrorCode::parse, "{} line {}: header does not match feature schema {} (expected \"{}\")",
                    name, line_no, k_feature_schema_version, expected_header);
      }
      have_header = true;
      continue;
    }
    const auto fields = split_fields(line);
    if (fields.size() != columns) {
      return fail(ErrorCode::parse, "{} line {}: {} fields, expected {}", name, line_no, fields.size(),
                  columns);
    }
    WindowRow row;
    row.recording = std::string(fields[0]);
    if (row.recording.empty())
      return fail(ErrorCode::parse, "{} line {}: empty recording name", name, line_no);
    auto fault = domain::parse_fault_type(fields[1]);
    if (!fault)
      return fail(ErrorCode::parse, "{} line {}, column fault: unknown fault '{}'", name, line_no, fields[1]);
    row.fault = *fault;
    double meta[4] = {};
    for (std::size_t c = 2; c < k_metadata_count; ++c) {
      auto v = parse_double(fields[c]);
      if (!v) {
        return fail(ErrorCode::parse, "{} line {}, column {}: '{}' is not a finite number", name, line_no,
                    k_metadata_columns[c], fields[c]);
      }
      meta[c - 2] = *v;
    }
    row.load_hp = meta[0];
    row.fault_diameter_in = meta[1];
    row.speed_rpm = meta[2];
    if (meta[3] < 0 || meta[3] != std::floor(meta[3])) {
      return fail(ErrorCode::parse, "{} line {}, column start_sample: '{}' is not a sample index", name,
                  line_no, fields[5]);
    }
    row.start_sample = static_cast<std::size_t>(meta[3]);
    row.features.resize(k_classifier_feature_count);
    for (std::size_t j = 0; j < k_classifier_feature_count; ++j) {
      auto v = parse_double(fields[k_metadata_count + j]);
      if (!v) {
        return fail(ErrorCode::parse, "{} line {}, column {}: '{}' is not a finite number", name, line_no,
                    classifier_feature_schema()[j].name, fields[k_metadata_count + j]);
      }
      row.features[j] = static_cast<float>(*v);
    }
    out.rows.push_back(std::move(row));
  }
  if (!have_header) return fail(ErrorCode::parse, "{}: no header line", name);
  if (out.hop == 0) out.hop = out.window_len;  // files written before hop= was recorded: disjoint windows
  return out;
}

Result<LabelledWindows> read_windows_csv(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::not_found, "{}: cannot open", path.string());
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return parse_windows_csv(buffer.str(), path.filename().string());
}

std::string_view to_string(SplitKind split) {
  switch (split) {
    case SplitKind::by_load:
      return "by-load";
    case SplitKind::by_size:
      return "by-size";
  }
  return "?";
}

Result<SplitKind> parse_split_kind(std::string_view text) {
  if (text == "by-load") return SplitKind::by_load;
  if (text == "by-size") return SplitKind::by_size;
  return fail(ErrorCode::not_found, "unknown split '{}' (by-load, by-size)", text);
}

RowSplit hold_out_validation(const LabelledWindows& windows, std::span<const std::size_t> rows,
                             std::size_t validation_every) {
  std::map<domain::FaultType, std::set<std::string>> names;
  for (auto i : rows) names[windows.rows[i].fault].insert(windows.rows[i].recording);
  std::set<std::string> held;
  for (const auto& [fault, recordings] : names) {
    if (recordings.size() < 2 || validation_every == 0) continue;
    std::size_t k = 0;
    for (const auto& n : recordings) {
      if (k++ % validation_every == 0) held.insert(n);
    }
  }
  RowSplit split;
  for (auto i : rows) (held.count(windows.rows[i].recording) ? split.validation : split.train).push_back(i);
  return split;
}

Result<std::vector<Fold>> make_folds(const LabelledWindows& windows, SplitKind split,
                                     std::size_t validation_every) {
  auto key_of = [split](const WindowRow& r) {
    return split == SplitKind::by_load ? r.load_hp : r.fault_diameter_in;
  };
  std::set<double> values;
  for (const auto& r : windows.rows) {
    if (r.fault == domain::FaultType::normal) continue;
    const double key = key_of(r);
    if (key < 0 || (split == SplitKind::by_size && key == 0)) {
      return fail(ErrorCode::invalid_argument, "{}: no {} for the {} split", r.recording,
                  split == SplitKind::by_load ? "load_hp" : "fault_diameter_in", to_string(split));
    }
    values.insert(key);
  }
  if (values.size() < 2) {
    return fail(ErrorCode::invalid_argument, "{} split: needs at least two distinct values, found {}",
                to_string(split), values.size());
  }
  std::vector<Fold> folds;
  for (double held_out : values) {
    Fold fold;
    fold.held_out_value = held_out;
    fold.name = split == SplitKind::by_load ? fmt::format("load {} hp", held_out)
                                            : fmt::format("size {} in", held_out);
    std::map<domain::FaultType, std::set<std::string>> train_recordings;  // per fault class
    std::vector<std::size_t> train_side;
    for (std::size_t i = 0; i < windows.rows.size(); ++i) {
      const auto& r = windows.rows[i];
      if (r.fault == domain::FaultType::normal) continue;
      if (key_of(r) == held_out) {
        fold.test.push_back(i);
      } else {
        train_side.push_back(i);
        train_recordings[r.fault].insert(r.recording);
      }
    }
    auto held = hold_out_validation(windows, train_side, validation_every);
    fold.train = std::move(held.train);
    fold.validation = std::move(held.validation);
    std::set<domain::FaultType> test_classes;
    for (auto i : fold.test) test_classes.insert(windows.rows[i].fault);
    for (auto c : test_classes) {
      if (!train_recordings.contains(c)) {
        return fail(ErrorCode::invalid_argument, "{} split, fold {}: class {} has no training recording",
                    to_string(split), fold.name, domain::to_string(c));
      }
    }
    if (fold.train.empty() || fold.test.empty()) {
      return fail(ErrorCode::invalid_argument, "{} split, fold {}: empty training or test side",
                  to_string(split), fold.name);
    }
    folds.push_back(std::move(fold));
  }
  return folds;
}

}  // namespace vigil::eval
