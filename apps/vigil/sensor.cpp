// vigil sensor: a sensor node a person can run. Publishes raw sensor frames (docs/formats/sensor-frame.md)
// to an MQTT broker, from the simulator's degradation scenario or by replaying a recording, paced in real
// time or faster, until a limit or SIGINT/SIGTERM.
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <fmt/format.h>
#include <signal.h>

#include "commands.hpp"
#include "dsp/bearing.hpp"
#include "exit_codes.hpp"
#include "io/read_recording.hpp"
#include "net/mqtt_client.hpp"
#include "proto/sensor_frame.hpp"
#include "sim/simulator.hpp"

namespace vigil::cli {
namespace {

using Clock = std::chrono::steady_clock;

std::atomic<bool> g_stop{false};
extern "C" void request_stop(int) { g_stop.store(true); }

struct SensorOptions {
  std::string recording;  // empty: simulator
  std::string input_channel;
  double sample_rate_hz = 0;  // simulator default 25600; recordings: only when the file does not say
  double speed = 1;
  bool loop = false;
  std::string fault = "outer_race";
  double life_s = 3600;
  double onset_fraction = 0.3;
  double speed_rpm = 1800;
  std::string bearing;  // simulator: a designation from `vigil bearings`; default PRONOSTIA's
  std::uint64_t seed = 1;

  std::string node = "sensor-1";
  std::string channel;  // default: the recording's channel name, or DE for the simulator
  std::size_t frame_samples = 1024;
  std::string encoding = "int16";
  double full_scale_g = 50;
  std::uint64_t max_frames = 0;  // 0 = no limit
  double duration_s = 0;         // seconds of signal; 0 = no limit

  std::string broker = "127.0.0.1:1883";
  int qos = 0;
  std::string ca_file, cert_file, key_file;
};

// Where samples come from: the simulator, or a recording's channel read once into memory.
class SampleSource {
 public:
  explicit SampleSource(sim::Simulator simulator) : source_(std::move(simulator)) {}
  SampleSource(std::vector<float> samples, bool loop) : source_(std::move(samples)), loop_(loop) {}

  // Fills up to out.size() samples; returns how many (0: a recording played once is over).
  std::size_t fill(std::span<float> out) {
    if (auto* simulator = std::get_if<sim::Simulator>(&source_)) {
      simulator->generate(out);
      return out.size();
    }
    const auto& samples = std::get<std::vector<float>>(source_);
    std::size_t n = 0;
    while (n < out.size()) {
      if (position_ == samples.size()) {
        if (!loop_) break;
        position_ = 0;
      }
      const std::size_t take = std::min(out.size() - n, samples.size() - position_);
      std::copy_n(samples.begin() + static_cast<std::ptrdiff_t>(position_), take,
                  out.begin() + static_cast<std::ptrdiff_t>(n));
      n += take;
      position_ += take;
    }
    return n;
  }

 private:
  std::variant<sim::Simulator, std::vector<float>> source_;
  bool loop_ = false;
  std::size_t position_ = 0;
};

struct Broker {
  std::string host;
  int port = 0;
};

Result<Broker> parse_broker(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return fail(ErrorCode::invalid_argument, "--broker '{}': expected HOST:PORT", text);
  Broker b{text.substr(0, colon), 0};
  try {
    std::size_t used = 0;
    b.port = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1) throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    return fail(ErrorCode::invalid_argument, "--broker '{}': port is not a number", text);
  }
  return b;
}

struct Prepared {
  std::unique_ptr<SampleSource> source;
  double sample_rate_hz = 0;
  std::string channel;
  std::string description;  // for the start line
};

Result<Prepared> prepare_source(const SensorOptions& o) {
  Prepared p;
  if (o.recording.empty()) {
    auto kind = sim::parse_fault_kind(o.fault);
    if (!kind) return std::unexpected(kind.error().with_context("--fault"));
    if (!(o.life_s > 0 && std::isfinite(o.life_s)))
      return fail(ErrorCode::invalid_argument, "--life {} s must be > 0", o.life_s);
    if (!(o.onset_fraction >= 0 && o.onset_fraction < 1))
      return fail(ErrorCode::invalid_argument, "--onset {} outside [0, 1)", o.onset_fraction);
    p.sample_rate_hz = o.sample_rate_hz > 0 ? o.sample_rate_hz : 25600;
    std::optional<dsp::BearingGeometry> bearing;
    if (!o.bearing.empty()) {
      auto found = dsp::find_bearing(o.bearing);
      if (!found) return std::unexpected(found.error().with_context("--bearing"));
      bearing = *found;
    }
    const sim::Scenario scenario =
        sim::Scenario::degradation(*kind, o.life_s, o.onset_fraction, p.sample_rate_hz, o.speed_rpm, bearing);
    auto simulator = sim::Simulator::create(scenario, o.seed);
    if (!simulator) return std::unexpected(simulator.error());
    p.source = std::make_unique<SampleSource>(std::move(*simulator));
    p.channel = o.channel.empty() ? "DE" : o.channel;
    const std::string story = *kind == sim::FaultKind::none
                                  ? std::string("healthy")
                                  : fmt::format("{} defect from {:.0f} s, failure at {:.0f} s",
                                                sim::to_string(*kind), o.onset_fraction * o.life_s, o.life_s);
    p.description = fmt::format("simulator: {} bearing, {}, {} rpm, seed {}", scenario.machine.bearing.name,
                                story, o.speed_rpm, o.seed);
    return p;
  }
  auto recording = io::read_recording(o.recording, o.sample_rate_hz);
  if (!recording) return std::unexpected(recording.error());
  if (recording->channels.empty())
    return fail(ErrorCode::not_found, "{}: holds no vibration channel", recording->source);
  const io::Channel* channel =
      o.input_channel.empty() ? &recording->channels.front() : recording->find_channel(o.input_channel);
  if (channel == nullptr) {
    std::string names;
    for (const auto& c : recording->channels) names += (names.empty() ? "" : ", ") + c.name;
    return fail(ErrorCode::not_found, "{}: no channel '{}' (has: {})", recording->source, o.input_channel,
                names);
  }
  if (!(recording->sample_rate_hz > 0))
    return fail(ErrorCode::invalid_argument, "{}: the file does not state its sample rate; give --fs",
                recording->source);
  if (channel->samples.empty()) return fail(ErrorCode::invalid_argument, "{}: no samples", recording->source);
  if (o.sample_rate_hz > 0 &&
      std::abs(o.sample_rate_hz - recording->sample_rate_hz) > 1e-9 * o.sample_rate_hz) {
    return fail(ErrorCode::invalid_argument, "{}: the file states {} Hz but --fs {} was given",
                recording->source, recording->sample_rate_hz, o.sample_rate_hz);
  }
  p.sample_rate_hz = recording->sample_rate_hz;
  p.channel = o.channel.empty() ? channel->name : o.channel;
  p.description = fmt::format("{} channel {}: {} samples ({:.1f} s){}", o.recording, channel->name,
                              channel->samples.size(), double(channel->samples.size()) / p.sample_rate_hz,
                              o.loop ? ", looping" : "");
  p.source = std::make_unique<SampleSource>(channel->samples, o.loop);
  return p;
}

// Sleeps until `deadline` in short slices, so a stop request is honoured within 50 ms.
void sleep_until(Clock::time_point deadline) {
  while (!g_stop.load()) {
    const auto now = Clock::now();
    if (now >= deadline) return;
    std::this_thread::sleep_for(std::min<Clock::duration>(deadline - now, std::chrono::milliseconds(50)));
  }
}

int run_sensor(const SensorOptions& o) {
  const auto failed = [](const Error& e) { return report_error("sensor", e); };
  auto encoding = proto::parse_sample_encoding(o.encoding);
  if (!encoding) return failed(encoding.error().with_context("--encoding"));
  if (o.frame_samples == 0 || o.frame_samples > proto::k_max_frame_samples)
    return failed(
        Error{ErrorCode::invalid_argument,
              fmt::format("--frame {} outside [1, {}]", o.frame_samples, proto::k_max_frame_samples)});
  if (!(o.speed > 0 && o.speed <= 1000))
    return failed(Error{ErrorCode::invalid_argument, fmt::format("--speed {} outside (0, 1000]", o.speed)});
  if (!(o.full_scale_g > 0 && std::isfinite(o.full_scale_g)))
    return failed(
        Error{ErrorCode::invalid_argument, fmt::format("--full-scale {} g must be > 0", o.full_scale_g)});
  if (o.duration_s < 0 || !std::isfinite(o.duration_s))
    return failed(
        Error{ErrorCode::invalid_argument, fmt::format("--duration {} s must be >= 0", o.duration_s)});
  if (o.sample_rate_hz < 0 || o.sample_rate_hz > proto::k_max_sample_rate_hz)
    return failed(
        Error{ErrorCode::invalid_argument,
              fmt::format("--fs {} Hz outside (0, {}]", o.sample_rate_hz, proto::k_max_sample_rate_hz)});
  auto broker = parse_broker(o.broker);
  if (!broker) return failed(broker.error());
  auto prepared = prepare_source(o);
  if (!prepared) return failed(prepared.error());
  Prepared& p = *prepared;

  proto::SensorFrameHeader header{.node_id = o.node,
                                  .channel = p.channel,
                                  .encoding = *encoding,
                                  .unit = proto::PhysicalUnit::g,
                                  .sample_rate_hz = p.sample_rate_hz,
                                  .sequence = 0,
                                  .first_sample_ns = 0,
                                  .scale = *encoding == proto::SampleEncoding::int16
                                               ? static_cast<float>(o.full_scale_g / 32767.0)
                                               : 1.0f};
  // Checks node id and channel (characters, lengths) before anything touches the network.
  std::vector<std::byte> frame(proto::k_max_sensor_frame_bytes);
  std::vector<float> samples(o.frame_samples, 0.0f);
  if (auto probe = proto::encode_sensor_frame(header, samples, frame); !probe)
    return failed(probe.error().with_context(fmt::format("--node {} --channel {}", o.node, p.channel)));
  const std::string topic = fmt::format("vigil/raw/{}/{}", o.node, p.channel);

  net::MqttOptions mqtt;
  mqtt.host = broker->host;
  mqtt.port = broker->port;
  mqtt.client_id = fmt::format("vigil-sensor-{}-{}", o.node, p.channel);
  if (!o.ca_file.empty())
    mqtt.tls = net::MqttTls{.ca_file = o.ca_file, .cert_file = o.cert_file, .key_file = o.key_file};
  else if (!o.cert_file.empty() || !o.key_file.empty())
    return failed(Error{ErrorCode::invalid_argument, "--cert and --key need --cafile (TLS)"});
  auto client = net::MqttClient::create(mqtt);
  if (!client) return failed(client.error());
  // Called on the client's network thread; a static flag is enough for the one client of this process.
  (*client)->on_state([](net::ConnectionState state, std::string_view reason) {
    static std::atomic<bool> lost{false};
    if (state == net::ConnectionState::disconnected) {
      lost.store(true);
      fmt::print(stderr, "vigil sensor: {}; frames are dropped until it is back\n", reason);
    } else if (lost.exchange(false)) {
      fmt::print(stderr, "vigil sensor: connected again\n");
    }
  });

  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  if (auto ok = (*client)->connect(); !ok) return failed(ok.error());
  fmt::print(stderr, "vigil sensor: {} -> {} on {} ({} samples per frame, {}, {} Hz, x{} speed)\n",
             p.description, topic, o.broker, o.frame_samples, o.encoding, p.sample_rate_hz, o.speed);

  const std::uint64_t max_samples =
      o.duration_s > 0 ? static_cast<std::uint64_t>(std::llround(o.duration_s * p.sample_rate_hz)) : 0;
  const std::int64_t start_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
  const auto start = Clock::now();
  auto next_progress = start + std::chrono::seconds(2);
  std::uint64_t sent = 0, dropped = 0, clipped = 0, sample_index = 0, sequence = 0;
  while (!g_stop.load()) {
    if (o.max_frames > 0 && sequence >= o.max_frames) break;
    std::size_t want = o.frame_samples;
    if (max_samples > 0) {
      if (sample_index >= max_samples) break;
      want = static_cast<std::size_t>(std::min<std::uint64_t>(want, max_samples - sample_index));
    }
    const std::size_t n = p.source->fill(std::span(samples).first(want));
    if (n == 0) break;  // the recording is over
    header.sequence = sequence;
    // From the absolute sample index, so rounding never accumulates over a long run.
    header.first_sample_ns =
        start_ns + static_cast<std::int64_t>(std::llround(double(sample_index) * 1e9 / p.sample_rate_hz));
    auto encoded = proto::encode_sensor_frame(header, std::span<const float>(samples).first(n), frame);
    if (!encoded) return failed(encoded.error());
    clipped += encoded->clipped_samples;
    // A real sensor has the frame once its last sample is taken: wait for that moment (scaled by --speed).
    sleep_until(start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                            double(sample_index + n) / p.sample_rate_hz / o.speed)));
    if (g_stop.load()) break;
    if ((*client)->publish(topic, std::span<const std::byte>(frame).first(encoded->size_bytes), o.qos)) {
      ++sent;
    } else {
      ++dropped;
    }
    sample_index += n;
    ++sequence;
    if (Clock::now() >= next_progress) {
      next_progress += std::chrono::seconds(2);
      fmt::print(stderr, "vigil sensor: {} frames, {:.1f} s of signal, {} dropped, {} samples clipped\n",
                 sent, double(sample_index) / p.sample_rate_hz, dropped, clipped);
    }
  }
  fmt::print(stderr,
             "vigil sensor: {}sent {} frames ({:.2f} s of signal) to {}; {} dropped while disconnected, {} "
             "samples clipped\n",
             g_stop.load() ? "stopped; " : "", sent, double(sample_index) / p.sample_rate_hz, topic, dropped,
             clipped);
  return k_exit_ok;
}

}  // namespace

void add_sensor(CLI::App& app) {
  auto o = std::make_shared<SensorOptions>();
  CLI::App* cmd = app.add_subcommand(
      "sensor",
      "Run a sensor node: publish raw vibration frames (docs/formats/sensor-frame.md) to an MQTT broker on "
      "vigil/raw/<node>/<channel>, from the simulator (a bearing that degrades: healthy, defect onset, "
      "growth "
      "to failure) or by replaying a recording, in real time or faster. Stops at --frames / --duration, at "
      "the "
      "end of a recording played once, or on Ctrl-C / SIGTERM.\n"
      "Examples:\n"
      "  vigil sensor --node pump-7 --life 600                  simulated bearing failing over 10 minutes\n"
      "  vigil sensor ../shared/data/cwru/105.mat --fs 12000 --loop --speed 10 --node rig-1\n"
      "  vigil sensor rec.csv --broker broker.plant:8883 --cafile ca.pem --cert node.pem --key node.key");
  cmd->add_option("recording", o->recording,
                  "Recording to replay: .mat (CWRU), acc_*.csv (FEMTO), .csv (one column or time,value), IMS "
                  "snapshot. Without it, the simulator runs");
  auto* input_channel =
      cmd->add_option("--input-channel", o->input_channel,
                      "Channel of the recording to replay (default: its first: DE, horizontal, b1, ...)");
  cmd->add_option(
      "--fs", o->sample_rate_hz,
      "Sample rate in Hz: the simulator's (default 25600; any rate, e.g. 12000, 20000, 51200), or a "
      "recording's when the file does not state it (.mat, one-column .csv)");
  cmd->add_option("--speed", o->speed,
                  "Pace: 1 = real time, 10 = ten times faster (timestamps stay those of the signal)")
      ->capture_default_str();
  auto* loop = cmd->add_flag("--loop", o->loop, "Replay the recording again and again (default: once)");
  auto* fault = cmd->add_option("--fault", o->fault,
                                "Simulator: defect that develops: outer_race, inner_race, ball, cage, none")
                    ->capture_default_str();
  auto* life = cmd->add_option("--life", o->life_s, "Simulator: seconds of signal from start to failure")
                   ->capture_default_str();
  auto* onset = cmd->add_option("--onset", o->onset_fraction,
                                "Simulator: the defect appears at this fraction of the life")
                    ->capture_default_str();
  auto* rpm = cmd->add_option("--rpm", o->speed_rpm, "Simulator: shaft speed in rpm")->capture_default_str();
  auto* seed = cmd->add_option("--seed", o->seed, "Simulator: random seed (same seed, same signal)")
                   ->capture_default_str();
  auto* bearing =
      cmd->add_option("--bearing", o->bearing,
                      "Simulator: the bearing (a designation from `vigil bearings`, e.g. 6205-2RS; "
                      "default: PRONOSTIA's); the edge must be configured with the same one");
  cmd->add_option("--node", o->node, "Node id (topic level: A-Z a-z 0-9 _ . -, at most 64)")
      ->capture_default_str();
  cmd->add_option(
      "--channel", o->channel,
      "Channel name in the topic and frames (default: the recording's channel, DE for the simulator)");
  cmd->add_option("--frame", o->frame_samples, "Samples per frame (1-65536)")->capture_default_str();
  cmd->add_option("--encoding", o->encoding, "int16 (scale = full scale / 32767) or float32")
      ->capture_default_str();
  cmd->add_option("--full-scale", o->full_scale_g, "int16: the largest value in g; beyond it samples clip")
      ->capture_default_str();
  cmd->add_option("--frames", o->max_frames, "Stop after this many frames (default: no limit)");
  cmd->add_option("--duration", o->duration_s, "Stop after this many seconds of signal (default: no limit)");
  cmd->add_option("--broker", o->broker, "MQTT broker HOST:PORT")->capture_default_str();
  cmd->add_option("--qos", o->qos, "MQTT QoS of the frames: 0 (advised for raw data) or 1")
      ->check(CLI::IsMember({0, 1}))
      ->capture_default_str();
  cmd->add_option("--cafile", o->ca_file, "TLS: CA certificate (PEM) that signed the broker's certificate");
  cmd->add_option("--cert", o->cert_file, "TLS: this node's client certificate (PEM), for mutual TLS");
  cmd->add_option("--key", o->key_file, "TLS: the client certificate's private key (PEM)");
  // An option of one source is refused with the other, not ignored.
  CLI::Option* recording = cmd->get_option("recording");
  for (CLI::Option* sim_option : {fault, life, onset, rpm, seed, bearing}) sim_option->excludes(recording);
  input_channel->needs(recording);
  loop->needs(recording);
  cmd->callback([o] {
    const int rc = run_sensor(*o);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace vigil::cli
