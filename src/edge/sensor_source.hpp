// Raw frames from sensor nodes over MQTT (docs/formats/sensor-frame.md) into the pipeline: one MQTT session
// subscribed to vigil/raw/<node>/<channel> for every configured mqtt channel; each frame is checked and
// decoded, its sequence tracked (gaps, duplicates, restarts counted), converted to g and pushed. Duplicates
// and frames from before a restart's new run are not pushed twice; everything refused is counted.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "edge/config.hpp"
#include "net/mqtt_client.hpp"
#include "proto/sequence_tracker.hpp"

namespace vigil::edge {

// Where a decoded block goes: pipeline channel index, samples in g, first sample time, shaft speed.
using ChannelBlockSink = std::function<void(std::size_t channel, std::span<const float> samples_g,
                                            std::int64_t first_sample_ns, double speed_rpm)>;

struct SensorChannelStats {
  std::uint64_t frames = 0;   // accepted and pushed
  std::uint64_t refused = 0;  // malformed, wrong rate or unit, or from another node/channel than the topic
  proto::SequenceStats sequence;
  std::string last_problem;  // why the last frame was refused
};

class SensorSource {
 public:
  // `channels` are the config's channels (indices = pipeline channels); only mqtt ones are subscribed.
  // `speed_rpm(channel)` gives the shaft speed to use for a block. Prepares the session, does not connect.
  static Result<std::unique_ptr<SensorSource>> create(const SensorBusConfig& bus,
                                                      const std::string& client_id,
                                                      const std::vector<ChannelConfig>& channels,
                                                      std::function<double(std::size_t)> speed_rpm,
                                                      ChannelBlockSink sink);
  // Connects in the background (retrying with backoff until the broker is there) and subscribes.
  Status start();
  void stop();
  bool connected() const;
  SensorChannelStats stats(std::size_t channel) const;
  std::size_t channel_count() const { return routes_.size(); }

  // Handles one message as if it arrived on `topic` (the MQTT callback calls this; tests may too).
  void on_frame(std::string_view topic, std::span<const std::byte> payload);

 private:
  struct Route {
    std::string topic;  // vigil/raw/<node>/<channel>; empty for a channel that is not mqtt
    std::string node;
    std::string channel;
    double sample_rate_hz = 0;
    double sensitivity = 1;
    proto::SequenceTracker tracker;
    std::uint64_t frames = 0;
    std::uint64_t refused = 0;
    std::string last_problem;
  };
  SensorSource() = default;
  void refuse(Route& r, std::string why);

  std::unique_ptr<net::MqttClient> client_;
  std::vector<Route> routes_;
  std::function<double(std::size_t)> speed_rpm_;
  ChannelBlockSink sink_;
  mutable std::mutex mutex_;    // routes' counters (written on the network thread, read by status)
  std::vector<float> samples_;  // one decoded frame, k_max_frame_samples
};

}  // namespace vigil::edge
