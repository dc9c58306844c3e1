#include "recording_input.hpp"

#include <cmath>

#include <fmt/format.h>

#include "dsp/iir.hpp"
#include "io/catalog.hpp"
#include "io/read_recording.hpp"

namespace vigil::cli {
namespace {

std::optional<io::CatalogEntry> catalog_entry_for(const std::filesystem::path& path) {
  std::error_code ec;
  const auto catalog_path = path.parent_path() / "catalog.csv";
  if (!std::filesystem::exists(catalog_path, ec)) return std::nullopt;
  auto catalog = io::read_catalog(catalog_path);
  if (!catalog) return std::nullopt;
  const auto wanted = std::filesystem::weakly_canonical(path, ec);
  for (const auto& e : catalog->entries) {
    if (std::filesystem::weakly_canonical(e.path, ec) == wanted) return e;
  }
  return std::nullopt;
}

}  // namespace

Result<Signal> load_signal(const std::filesystem::path& path, const InputOptions& options) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return fail(ErrorCode::not_found, "{}: no such file", path.string());
  if (std::filesystem::is_directory(path, ec)) {
    return fail(ErrorCode::invalid_argument, "{}: is a folder; give one recording file", path.string());
  }
  Signal s;
  s.source = path.filename().string();
  io::CatalogEntry entry;
  entry.path = path;
  if (auto listed = catalog_entry_for(path)) {
    entry = *listed;
    s.notes.push_back(fmt::format("sample rate, bearing and channel from {}",
                                  (path.parent_path() / "catalog.csv").string()));
  }
  if (options.sample_rate_hz) entry.sample_rate_hz = *options.sample_rate_hz;
  if (!options.channel.empty()) entry.channel = options.channel;
  if (!options.bearing.empty()) entry.bearing = options.bearing;
  if (entry.bearing.empty()) {
    entry.bearing = "6205-2RS";
    s.notes.push_back("bearing 6205-2RS assumed (give --bearing)");
  }

  auto recording = io::read_recording(path, entry.sample_rate_hz);
  if (!recording) return std::unexpected(recording.error());
  if (recording->channels.empty())
    return fail(ErrorCode::not_found, "{}: holds no vibration channel", s.source);
  const io::Channel* channel =
      entry.channel.empty() ? &recording->channels.front() : recording->find_channel(entry.channel);
  if (channel == nullptr) {
    std::string names;
    for (const auto& c : recording->channels) names += (names.empty() ? "" : ", ") + c.name;
    return fail(ErrorCode::not_found, "{}: no channel '{}' (has: {})", s.source, entry.channel, names);
  }
  s.channel = channel->name;
  s.samples = channel->samples;

  if (recording->sample_rate_hz > 0) {
    s.sample_rate_hz = recording->sample_rate_hz;
    if (entry.sample_rate_hz > 0 &&
        std::abs(entry.sample_rate_hz - s.sample_rate_hz) > 1e-9 * s.sample_rate_hz) {
      return fail(ErrorCode::invalid_argument, "{}: the file states {} Hz but {} Hz was given", s.source,
                  s.sample_rate_hz, entry.sample_rate_hz);
    }
  } else {
    return fail(ErrorCode::invalid_argument, "{}: the file does not state its sample rate; give --fs",
                s.source);
  }
  if (options.speed_rpm) {
    s.speed_rpm = *options.speed_rpm;
  } else if (recording->speed_rpm) {
    s.speed_rpm = *recording->speed_rpm;
    s.notes.push_back(fmt::format("speed {} rpm stored in the file", s.speed_rpm));
  } else if (entry.speed_rpm) {
    s.speed_rpm = *entry.speed_rpm;
  } else {
    return fail(ErrorCode::invalid_argument, "{}: the file does not state the shaft speed; give --rpm",
                s.source);
  }
  auto bearing = dsp::find_bearing(entry.bearing);
  if (!bearing) return std::unexpected(bearing.error());
  s.bearing = *bearing;
  return s;
}

Status decimate_to(Signal& signal, double target_hz) {
  if (!(target_hz > 0) || signal.sample_rate_hz <= target_hz) return {};
  const double ratio = signal.sample_rate_hz / target_hz;
  const auto factor = static_cast<std::size_t>(std::lround(ratio));
  if (std::abs(ratio - double(factor)) > 1e-9) return {};
  auto out = dsp::decimate(signal.samples, factor, signal.sample_rate_hz);
  if (!out) return std::unexpected(out.error());
  signal.notes.push_back(
      fmt::format("decimated {} Hz -> {} Hz (anti-aliased)", signal.sample_rate_hz, target_hz));
  signal.samples = std::move(*out);
  signal.sample_rate_hz = target_hz;
  return {};
}

}  // namespace vigil::cli
