// A stand-in for the plant's hub, for the benchmarks: it is the Sparkplug primary host (its STATE birth,
// retained, on every connect), decodes every DDATA with the aliases of the births, de-duplicates the record
// ids, and acknowledges them the way docs/formats/uplink-ack.md asks of a hub: in batches (every
// `ack_every`), consecutive ids merged into ranges, at most k_max_ack_ranges per NCMD, the Uplink/Ack metric
// written by its NBIRTH alias, QoS 0.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include <fmt/core.h>

#include "core/error.hpp"
#include "net/mqtt_client.hpp"
#include "proto/sparkplug.hpp"

namespace vigil::bench {

class HubStandIn {
 public:
  struct Seen {
    std::uint64_t ddata = 0;             // DDATA messages
    std::uint64_t records = 0;           // distinct record ids stored
    std::uint64_t duplicates = 0;        // record ids received again (the de-duplication dropped them)
    std::uint64_t historical = 0;        // DDATA whose metrics were marked is_historical
    std::uint64_t acknowledgements = 0;  // NCMD Uplink/Ack published
    std::vector<std::string> errors;     // messages the hub could not read
  };

  // Connects to the broker on 127.0.0.1:port as primary host `host_id` and starts acknowledging.
  static Result<std::unique_ptr<HubStandIn>> start(int port, const std::string& host_id,
                                                   std::chrono::milliseconds ack_every) {
    net::MqttOptions o;
    o.port = port;
    o.client_id = "hub-stand-in-" + host_id;
    auto client = net::MqttClient::create(o);
    if (!client) return std::unexpected(client.error());
    std::unique_ptr<HubStandIn> hub(new HubStandIn(std::move(*client), host_id, ack_every));
    HubStandIn* h = hub.get();
    h->client_->on_message([h](std::string_view topic, std::span<const std::byte> payload) {
      h->on_message(std::string(topic), payload);
    });
    h->client_->on_state([h](net::ConnectionState state, std::string_view) {
      if (state != net::ConnectionState::connected) return;
      const std::string birth =
          proto::sparkplug::format_host_state({.online = true, .timestamp_ms = now_ms()});
      (void)h->client_->publish(fmt::format("spBv1.0/STATE/{}", h->host_id_), as_bytes(birth), 1, true);
    });
    if (auto ok = h->client_->connect(); !ok) return std::unexpected(ok.error());
    if (auto ok = h->client_->subscribe("spBv1.0/#", 0); !ok) return std::unexpected(ok.error());
    h->acker_ = std::jthread([h](std::stop_token stop) { h->acknowledge_loop(stop); });
    return hub;
  }

  ~HubStandIn() {
    acker_ = {};  // stop and join before the client goes
    client_.reset();
  }

  Seen seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  HubStandIn(std::unique_ptr<net::MqttClient> client, std::string host_id,
             std::chrono::milliseconds ack_every)
      : client_(std::move(client)), host_id_(std::move(host_id)), ack_every_(ack_every) {}

  static std::uint64_t now_ms() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  }
  static std::span<const std::byte> as_bytes(std::string_view s) {
    return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
  }

  void on_message(const std::string& topic, std::span<const std::byte> bytes) {
    namespace sp = proto::sparkplug;
    auto t = sp::parse_topic(topic);
    if (!t || t->type == sp::MessageType::state) return;
    auto payload = sp::decode(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
    std::lock_guard lock(mutex_);
    if (!payload) {
      seen_.errors.push_back(payload.error().message);
      return;
    }
    if (t->type == sp::MessageType::nbirth || t->type == sp::MessageType::dbirth) {
      for (const auto& m : payload->metrics) {
        if (!m.alias) continue;
        aliases_[*m.alias] = {m.name, m.datatype};
        if (m.name == sp::k_ack_metric) {
          ack_alias_ = *m.alias;
          node_topic_ = fmt::format("spBv1.0/{}/NCMD/{}", t->group_id, t->edge_node_id);
        }
      }
      return;
    }
    if (t->type != sp::MessageType::ddata) return;
    ++seen_.ddata;
    bool historical = false;
    for (const auto& m : payload->metrics) {
      historical = historical || m.is_historical;
      const auto it = m.alias ? aliases_.find(*m.alias) : aliases_.end();
      if (it == aliases_.end() || it->second.first != "Record/Id") continue;
      auto typed = sp::with_datatype(m, it->second.second);
      if (!typed || !std::holds_alternative<std::uint64_t>(typed->value)) {
        seen_.errors.push_back(fmt::format("{}: Record/Id unreadable", topic));
        continue;
      }
      const std::uint64_t id = std::get<std::uint64_t>(typed->value);
      // "Stored": the id joins the set; a duplicate is acknowledged again (its first ack may have been lost).
      if (stored_.insert(id).second) {
        ++seen_.records;
      } else {
        ++seen_.duplicates;
      }
      pending_.push_back(id);
    }
    seen_.historical += historical ? 1 : 0;
  }

  void acknowledge_loop(std::stop_token stop) {
    namespace sp = proto::sparkplug;
    while (!stop.stop_requested()) {
      std::this_thread::sleep_for(ack_every_);
      std::vector<std::uint64_t> ids;
      std::string topic;
      std::uint64_t alias = 0;
      {
        std::lock_guard lock(mutex_);
        ids.swap(pending_);
        topic = node_topic_;
        alias = ack_alias_;
      }
      if (ids.empty() || topic.empty()) continue;
      std::sort(ids.begin(), ids.end());
      std::vector<sp::RecordIdRange> ranges;
      for (std::uint64_t id : ids) {
        if (!ranges.empty() && id <= ranges.back().last + 1) {
          ranges.back().last = std::max(ranges.back().last, id);
        } else {
          ranges.push_back({id, id});
        }
      }
      for (std::size_t i = 0; i < ranges.size(); i += sp::k_max_ack_ranges) {
        const auto chunk = std::span(ranges).subspan(i, std::min(sp::k_max_ack_ranges, ranges.size() - i));
        sp::Metric m;
        m.alias = alias;
        m.datatype = sp::DataType::bytes;
        m.value = *sp::encode_ack(chunk);
        sp::Payload p;
        p.timestamp_ms = now_ms();
        p.metrics.push_back(std::move(m));
        auto encoded = sp::encode(p, sp::MessageType::ncmd);
        if (!encoded) continue;
        const auto* b = reinterpret_cast<const std::byte*>(encoded->data());
        if (client_->publish(topic, std::span(b, encoded->size()), 0)) {
          std::lock_guard lock(mutex_);
          ++seen_.acknowledgements;
        }
      }
    }
  }

  std::unique_ptr<net::MqttClient> client_;
  std::string host_id_;
  std::chrono::milliseconds ack_every_;
  mutable std::mutex mutex_;
  Seen seen_;
  std::map<std::uint64_t, std::pair<std::string, proto::sparkplug::DataType>> aliases_;
  std::uint64_t ack_alias_ = 0;
  std::string node_topic_;
  std::set<std::uint64_t> stored_;
  std::vector<std::uint64_t> pending_;
  std::jthread acker_;
};

}  // namespace vigil::bench
