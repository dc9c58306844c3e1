#include "edge/sensor_source.hpp"

#include <cmath>

#include <fmt/core.h>

#include "dsp/velocity.hpp"
#include "proto/sensor_frame.hpp"

namespace vigil::edge {

Result<std::unique_ptr<SensorSource>> SensorSource::create(const SensorBusConfig& bus,
                                                           const std::string& client_id,
                                                           const std::vector<ChannelConfig>& channels,
                                                           std::function<double(std::size_t)> speed_rpm,
                                                           ChannelBlockSink sink) {
  std::unique_ptr<SensorSource> s(new SensorSource());
  s->speed_rpm_ = std::move(speed_rpm);
  s->sink_ = std::move(sink);
  s->samples_.resize(proto::k_max_frame_samples);
  for (const ChannelConfig& c : channels) {
    Route& r = s->routes_.emplace_back();
    if (c.source != SourceKind::mqtt) continue;
    r.topic = fmt::format("vigil/raw/{}/{}", c.sensor_node, c.channel);
    r.node = c.sensor_node;
    r.channel = c.channel;
    r.sample_rate_hz = c.sample_rate_hz;
    r.sensitivity = c.sensitivity;
  }
  net::MqttOptions options;
  options.host = bus.host;
  options.port = bus.port;
  options.client_id = client_id;
  if (!bus.ca_file.empty()) {
    options.tls = net::MqttTls{.ca_file = bus.ca_file.string(),
                               .cert_file = bus.cert_file.string(),
                               .key_file = bus.key_file.string()};
  }
  auto client = net::MqttClient::create(options);
  if (!client) return std::unexpected(client.error().with_context("sensor bus"));
  s->client_ = std::move(*client);
  SensorSource* self = s.get();
  s->client_->on_message(
      [self](std::string_view topic, std::span<const std::byte> payload) { self->on_frame(topic, payload); });
  return s;
}

Status SensorSource::start() {
  // Not connected yet: the filters are remembered and subscribed on every (re)connect.
  for (const Route& r : routes_) {
    if (r.topic.empty()) continue;
    if (auto ok = client_->subscribe(r.topic, 0); !ok) return ok;
  }
  client_->start();
  return {};
}

void SensorSource::stop() { client_.reset(); }

bool SensorSource::connected() const { return client_ && client_->connected(); }

void SensorSource::refuse(Route& r, std::string why) {
  std::lock_guard lock(mutex_);
  ++r.refused;
  r.last_problem = std::move(why);
}

void SensorSource::on_frame(std::string_view topic, std::span<const std::byte> payload) {
  std::size_t index = 0;
  while (index < routes_.size() && routes_[index].topic != topic) ++index;
  if (index == routes_.size()) return;  // not subscribed: a broker may deliver overlapping filters once more
  Route& r = routes_[index];
  auto frame = proto::decode_sensor_frame(payload, samples_);
  if (!frame) return refuse(r, frame.error().message);
  const proto::SensorFrameHeader& h = frame->header;
  if (h.node_id != r.node || h.channel != r.channel) {
    return refuse(r, fmt::format("frame of {}/{} on topic {}", h.node_id, h.channel, r.topic));
  }
  if (std::abs(h.sample_rate_hz - r.sample_rate_hz) > 1e-6 * r.sample_rate_hz) {
    return refuse(r, fmt::format("sample rate {} Hz, the channel is configured for {} Hz", h.sample_rate_hz,
                                 r.sample_rate_hz));
  }
  double to_g = r.sensitivity;
  if (h.unit == proto::PhysicalUnit::m_per_s2) {
    to_g /= dsp::k_standard_gravity_m_s2;
  } else if (h.unit != proto::PhysicalUnit::g) {
    return refuse(
        r, fmt::format("unit {}: the channel needs acceleration (g or m/s2)", proto::to_string(h.unit)));
  }
  proto::FrameOrder order;
  {
    std::lock_guard lock(mutex_);
    order = r.tracker.observe(h.sequence, h.first_sample_ns, frame->samples.size());
  }
  // A duplicate (QoS 1 redelivery), a late frame (the window moved on) or one too old to place is not
  // pushed; a gap or a restart is pushed, and the windower restarts on the time jump.
  if (order == proto::FrameOrder::duplicate || order == proto::FrameOrder::late ||
      order == proto::FrameOrder::too_old) {
    return;
  }
  std::span<float> samples(samples_.data(), frame->samples.size());
  if (to_g != 1.0) {
    for (float& x : samples) x = static_cast<float>(x * to_g);
  }
  sink_(index, samples, h.first_sample_ns, speed_rpm_(index));
  std::lock_guard lock(mutex_);
  ++r.frames;
}

SensorChannelStats SensorSource::stats(std::size_t channel) const {
  std::lock_guard lock(mutex_);
  const Route& r = routes_.at(channel);
  return SensorChannelStats{.frames = r.frames,
                            .refused = r.refused,
                            .sequence = r.tracker.stats(),
                            .last_problem = r.last_problem};
}

}  // namespace vigil::edge
