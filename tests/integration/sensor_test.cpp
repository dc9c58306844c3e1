// `vigil sensor` as a real process publishing to a real Mosquitto; a separate client subscribes and decodes
// every frame: sequence numbers, sample values (against the CSV written here, or the simulator run here),
// sample rate and timestamps.
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <numbers>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include "integration/cli_support.hpp"
#include "net/mqtt_client.hpp"
#include "proto/sensor_frame.hpp"
#include "proto/sequence_tracker.hpp"
#include "sim/simulator.hpp"
#include "support/mosquitto_broker.hpp"

namespace VIGIL_TEST_FILE {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using vigil::test::MosquittoBroker;

// `vigil sensor` as a child process (cli_support.hpp).
std::vector<std::string> sensor_argv(std::vector<std::string> args) {
  args.insert(args.begin(), {VIGIL_CLI, "sensor"});
  return args;
}

class SensorProcess : public vigil::test::ChildProcess {
 public:
  SensorProcess(std::vector<std::string> args, fs::path log)
      : ChildProcess(sensor_argv(std::move(args)), std::move(log)) {}
};

struct Frame {
  std::string topic;
  std::vector<std::byte> bytes;
};

// A separate client on the broker that keeps every raw frame.
class Listener {
 public:
  explicit Listener(const MosquittoBroker& broker) {
    vigil::net::MqttOptions o;
    o.port = broker.port();
    o.client_id = "listener";
    auto c = vigil::net::MqttClient::create(o);
    EXPECT_TRUE(c) << c.error().message;
    client_ = std::move(*c);
    client_->on_message([this](std::string_view topic, std::span<const std::byte> payload) {
      std::lock_guard lock(mutex_);
      frames_.push_back({std::string(topic), std::vector<std::byte>(payload.begin(), payload.end())});
      cv_.notify_all();
    });
    EXPECT_TRUE(client_->connect());
    EXPECT_TRUE(client_->subscribe("vigil/raw/#", 1));
  }
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return frames_.size() >= n; });
  }
  std::vector<Frame> frames() {
    std::lock_guard lock(mutex_);
    return frames_;
  }

 private:
  std::unique_ptr<vigil::net::MqttClient> client_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Frame> frames_;
};

struct Decoded {
  vigil::proto::SensorFrameHeader header;
  std::vector<float> samples;
  std::string node, channel;  // owned copies (the header views the frame bytes)
};

std::vector<Decoded> decode_all(const std::vector<Frame>& frames, const std::string& topic) {
  std::vector<Decoded> out;
  std::vector<float> storage(vigil::proto::k_max_frame_samples);
  for (const Frame& f : frames) {
    EXPECT_EQ(f.topic, topic);
    auto d = vigil::proto::decode_sensor_frame(f.bytes, storage);
    EXPECT_TRUE(d) << d.error().message;
    if (!d) continue;
    out.push_back({d->header, std::vector<float>(d->samples.begin(), d->samples.end()),
                   std::string(d->header.node_id), std::string(d->header.channel)});
  }
  return out;
}

// Frames of one stream: sequence 0, 1, 2, ... with nothing missing, duplicated or late, and each frame's
// first sample time = the first frame's + samples before it / rate (to the nanosecond the sender rounds to).
void expect_contiguous(const std::vector<Decoded>& frames, double rate_hz) {
  vigil::proto::SequenceTracker tracker;
  std::uint64_t samples_before = 0;
  for (std::size_t k = 0; k < frames.size(); ++k) {
    const auto& h = frames[k].header;
    EXPECT_EQ(h.sequence, k);
    tracker.observe(h.sequence, h.first_sample_ns, frames[k].samples.size());
    EXPECT_NEAR(h.sample_rate_hz, rate_hz, 1e-6 * rate_hz);
    const double expected_offset_ns = double(samples_before) * 1e9 / h.sample_rate_hz;
    EXPECT_NEAR(double(h.first_sample_ns - frames[0].header.first_sample_ns), expected_offset_ns, 1.0) << k;
    samples_before += frames[k].samples.size();
  }
  const auto& s = tracker.stats();
  EXPECT_EQ(s.frames_missing + s.duplicates + s.out_of_order + s.restarts + s.too_old, 0u);
  // Stamped with the wall clock at the start (ns since the Unix epoch): within a minute of now.
  const auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  ASSERT_FALSE(frames.empty());
  EXPECT_LT(std::abs(double(now_ns - frames[0].header.first_sample_ns)), 60e9);
}

class Sensor : public vigil::test::Cli {
 protected:
  void SetUp() override {
    Cli::SetUp();
    auto b = MosquittoBroker::start();
    ASSERT_TRUE(b) << b.error().message;
    broker_ = std::move(*b);
  }
  std::string broker() const { return "127.0.0.1:" + std::to_string(broker_->port()); }
  std::unique_ptr<MosquittoBroker> broker_;
};

TEST_F(Sensor, ReplaysACsvRecordingFrameByFrameWithinTheInt16Step) {
  // 3000 samples at 2 kHz (time column), two tones within +-1.75 g.
  const std::size_t n = 3000;
  std::vector<float> truth;
  {
    std::ofstream csv(path("rec.csv"));
    csv << "time_s,accel_g\n";
    for (std::size_t i = 0; i < n; ++i) {
      const double t = double(i) / 2000.0;
      const std::string value = fmt::format("{:.5f}", 1.5 * std::sin(2 * std::numbers::pi * 37 * t) +
                                                          0.25 * std::sin(2 * std::numbers::pi * 410 * t));
      csv << fmt::format("{:.6f}", t) << "," << value << "\n";
      truth.push_back(static_cast<float>(std::strtod(value.c_str(), nullptr)));
    }
  }
  Listener listener(*broker_);
  SensorProcess sensor({path("rec.csv"), "--node", "itest", "--channel", "ch1", "--frame", "256", "--speed",
                        "20", "--full-scale", "2", "--qos", "1", "--broker", broker()},
                       path("sensor.log"));
  ASSERT_EQ(sensor.wait(30s), std::optional<int>(0)) << sensor.output();
  const std::size_t expected_frames = (n + 255) / 256;  // 11 full frames and one of 184
  ASSERT_TRUE(listener.wait_for(expected_frames, 5s)) << sensor.output();
  std::this_thread::sleep_for(200ms);  // nothing more may arrive
  const auto frames = decode_all(listener.frames(), "vigil/raw/itest/ch1");
  ASSERT_EQ(frames.size(), expected_frames);
  expect_contiguous(frames, 2000.0);

  // int16 with full scale 2 g: scale = 2 / 32767, so every value is within scale / 2 (docs/formats).
  const float scale = static_cast<float>(2.0 / 32767.0);
  std::vector<float> received;
  for (const auto& f : frames) {
    EXPECT_EQ(f.node, "itest");
    EXPECT_EQ(f.channel, "ch1");
    EXPECT_EQ(f.header.encoding, vigil::proto::SampleEncoding::int16);
    EXPECT_EQ(f.header.unit, vigil::proto::PhysicalUnit::g);
    EXPECT_EQ(f.header.scale, scale);
    received.insert(received.end(), f.samples.begin(), f.samples.end());
  }
  EXPECT_EQ(frames.back().samples.size(), n - 11 * 256);
  ASSERT_EQ(received.size(), n);
  double worst = 0;
  for (std::size_t i = 0; i < n; ++i) worst = std::max(worst, double(std::abs(received[i] - truth[i])));
  EXPECT_LE(worst, 0.5 * scale * (1 + 1e-4));
  EXPECT_GT(worst, 0.25 * scale);  // the values really are quantised, not passed through
  EXPECT_NE(sensor.output().find("sent 12 frames (1.50 s of signal) to vigil/raw/itest/ch1"),
            std::string::npos)
      << sensor.output();
}

TEST_F(Sensor, SimulatorFramesCarryTheSimulatorsSamplesAt51200Hz) {
  Listener listener(*broker_);
  SensorProcess sensor(
      {"--node",     "simnode", "--fs",    "51200", "--frame", "2048",       "--frames", "15",
       "--encoding", "float32", "--speed", "10",    "--fault", "inner_race", "--life",   "2",
       "--onset",    "0.25",    "--seed",  "5",     "--qos",   "1",          "--broker", broker()},
      path("sensor.log"));
  ASSERT_EQ(sensor.wait(30s), std::optional<int>(0)) << sensor.output();
  ASSERT_TRUE(listener.wait_for(15, 5s)) << sensor.output();
  const auto frames = decode_all(listener.frames(), "vigil/raw/simnode/DE");
  ASSERT_EQ(frames.size(), 15u);
  expect_contiguous(frames, 51200.0);

  // The same scenario run here: float32 frames carry its samples bit for bit.
  auto simulator = vigil::sim::Simulator::create(
      vigil::sim::Scenario::degradation(vigil::sim::FaultKind::inner_race, 2, 0.25, 51200), 5);
  ASSERT_TRUE(simulator) << simulator.error().message;
  std::vector<float> expected(15 * 2048);
  simulator->generate(expected);
  std::vector<float> received;
  for (const auto& f : frames) received.insert(received.end(), f.samples.begin(), f.samples.end());
  ASSERT_EQ(received.size(), expected.size());
  EXPECT_EQ(std::memcmp(received.data(), expected.data(), expected.size() * sizeof(float)), 0);
}

TEST_F(Sensor, PublishesOverMutualTls) {
  auto pki = vigil::test::make_test_pki(dir_);
  ASSERT_TRUE(pki) << pki.error().message;
  auto tls_broker = MosquittoBroker::start(
      {.tls = MosquittoBroker::Tls{
           .ca_file = pki->ca_cert, .cert_file = pki->server_cert, .key_file = pki->server_key}});
  ASSERT_TRUE(tls_broker) << tls_broker.error().message;
  const std::string where = "127.0.0.1:" + std::to_string((*tls_broker)->port());
  SensorProcess good({"--frames", "3", "--speed", "50", "--broker", where, "--cafile", pki->ca_cert.string(),
                      "--cert", pki->client_cert.string(), "--key", pki->client_key.string()},
                     path("good.log"));
  EXPECT_EQ(good.wait(30s), std::optional<int>(0)) << good.output();
  EXPECT_NE(good.output().find("sent 3 frames"), std::string::npos) << good.output();
  // Without a client certificate the broker refuses it: exit 3 (I/O), the reason on stderr.
  SensorProcess refused({"--frames", "3", "--broker", where, "--cafile", pki->ca_cert.string()},
                        path("refused.log"));
  EXPECT_EQ(refused.wait(30s), std::optional<int>(3)) << refused.output();
  EXPECT_NE(refused.output().find("vigil sensor: mqtt: cannot connect to " + where), std::string::npos)
      << refused.output();
}

TEST_F(Sensor, StopsCleanlyOnSigtermAndSigint) {
  for (const int sig : {SIGTERM, SIGINT}) {
    Listener listener(*broker_);
    SensorProcess sensor({"--frame", "512", "--broker", broker()},
                         path("sensor.log"));  // no limit, real time
    ASSERT_TRUE(listener.wait_for(3, 10s)) << sensor.output();
    sensor.signal(sig);
    const auto status = sensor.wait(3s);
    ASSERT_TRUE(status) << "still running after the signal";
    EXPECT_EQ(*status, 0) << sensor.output();
    EXPECT_NE(sensor.output().find("vigil sensor: stopped; sent "), std::string::npos) << sensor.output();
  }
}

// The broker goes away for a second and comes back on the same port: the sensor keeps running, counts
// what it could not send, reconnects, and its stream goes on with the sequence numbers that tell the
// receiver exactly how many frames it missed.
TEST_F(Sensor, SurvivesABrokerRestartAndTheGapIsCounted) {
  Listener listener(*broker_);
  SensorProcess sensor({"--frame", "512", "--node", "survivor", "--broker", broker()}, path("sensor.log"));
  ASSERT_TRUE(listener.wait_for(10, 10s)) << sensor.output();  // 50 frames/s in real time
  broker_->stop();
  std::this_thread::sleep_for(1s);
  ASSERT_TRUE(broker_->restart());
  const std::size_t before = listener.frames().size();
  ASSERT_TRUE(listener.wait_for(before + 20, 15s)) << sensor.output();
  sensor.signal(SIGTERM);
  ASSERT_EQ(sensor.wait(5s), std::optional<int>(0)) << sensor.output();
  EXPECT_NE(sensor.output().find("connection lost; frames are dropped until it is back"), std::string::npos)
      << sensor.output();
  EXPECT_NE(sensor.output().find("connected again"), std::string::npos) << sensor.output();

  const auto frames = decode_all(listener.frames(), "vigil/raw/survivor/DE");
  vigil::proto::SequenceTracker tracker;
  for (const auto& f : frames) tracker.observe(f.header.sequence, f.header.first_sample_ns, f.samples.size());
  const auto& st = tracker.stats();
  EXPECT_GE(st.gaps, 1u);
  EXPECT_GE(st.frames_missing, 25u);  // at least the second the broker was away (50 frames/s)
  EXPECT_EQ(st.duplicates + st.out_of_order + st.restarts + st.too_old, 0u);
  EXPECT_EQ(st.samples_missing, st.frames_missing * 512);
  // Every sequence number up to the last is either received or counted missing.
  EXPECT_EQ(frames.size() + st.frames_missing, frames.back().header.sequence + 1);
  // What the sensor itself counted as dropped is part of what the receiver counts missing (frames queued
  // while the link was already dead are lost without the sensor knowing).
  const std::string out = sensor.output();
  const std::string marker = "to vigil/raw/survivor/DE; ";
  const auto at = out.find(marker);
  ASSERT_NE(at, std::string::npos) << out;
  const std::uint64_t dropped = std::stoull(out.substr(at + marker.size()));
  EXPECT_GE(dropped, 25u);
  EXPECT_LE(dropped, st.frames_missing);
}

TEST_F(Sensor, ErrorsGoThroughTheErrorBoundary) {
  const int closed_port = broker_->port();
  broker_->stop();
  const auto refused =
      vigil::test::run("sensor --frames 1 --broker 127.0.0.1:" + std::to_string(closed_port));
  EXPECT_EQ(refused.exit_code, 3);
  EXPECT_EQ(refused.out, "vigil sensor: mqtt: cannot connect to 127.0.0.1:" + std::to_string(closed_port) +
                             ": Connection refused\n");
  const auto encoding = vigil::test::run("sensor --encoding int24");
  EXPECT_EQ(encoding.exit_code, 2);
  EXPECT_EQ(encoding.out,
            "vigil sensor: --encoding: unknown sample encoding 'int24' (known: int16, float32)\n");
  const auto node = vigil::test::run("sensor --node 'a+b'");
  EXPECT_EQ(node.exit_code, 2);
  EXPECT_NE(node.out.find("sensor frame: node id byte 1 (0x2b) is not one of"), std::string::npos)
      << node.out;
  EXPECT_EQ(vigil::test::run("sensor --loop").exit_code, 2);  // --loop needs a recording
  EXPECT_EQ(vigil::test::run("sensor " + path("x.csv") + " --fault ball").exit_code,
            2);  // a simulator option
  const auto missing = vigil::test::run("sensor " + path("missing.csv"));
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.out.find("missing.csv"), std::string::npos) << missing.out;
  const auto speed = vigil::test::run("sensor --speed 0");
  EXPECT_EQ(speed.exit_code, 2);
  EXPECT_EQ(speed.out, "vigil sensor: --speed 0 outside (0, 1000]\n");
}

}  // namespace VIGIL_TEST_FILE
