#include "hub/ingest.hpp"

#include <algorithm>
#include <cmath>

namespace vigil::hub {
namespace {

namespace sp = proto::sparkplug;

// Metrics that are commands or session bookkeeping, not an asset's state.
bool is_control(std::string_view name) {
  return name.starts_with("Device Control/") || name.starts_with("Node Control/") ||
         name == sp::k_ack_metric || name == "bdSeq" || name == k_record_id_metric;
}

bool is_evidence(std::string_view name) { return name.starts_with("Evidence/") && name != "Evidence/Lines"; }

std::optional<double> number_of(const sp::MetricValue& v) {
  if (const auto* b = std::get_if<bool>(&v)) return *b ? 1.0 : 0.0;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* u = std::get_if<std::uint64_t>(&v)) return static_cast<double>(*u);
  if (const auto* f = std::get_if<float>(&v)) return static_cast<double>(*f);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  return std::nullopt;
}

std::string text_of(const sp::MetricValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto n = number_of(v)) return fmt::format("{}", *n);
  return {};
}

std::int64_t ts_of(const sp::Metric& m, std::int64_t default_ts_ms) {
  return m.timestamp_ms ? static_cast<std::int64_t>(*m.timestamp_ms) : default_ts_ms;
}

}  // namespace

Result<IngestBatch> Ingest::apply(std::span<const Update> updates, std::int64_t now_ms) {
  IngestBatch out;
  auto tx = store::Transaction::begin(store_->connection());
  if (!tx) return std::unexpected(tx.error());
  // Node status changes are applied to nodes_ only after the commit: a failed batch leaves it as it was.
  const auto nodes_before = nodes_;
  live_.clear();
  history_.clear();
  texts_.clear();
  seen_.clear();
  for (const Update& u : updates) {
    Status ok = std::visit(
        [&](const auto& update) -> Status {
          using T = std::decay_t<decltype(update)>;
          if constexpr (std::is_same_v<T, BirthUpdate>) return apply_birth(update, now_ms, out);
          if constexpr (std::is_same_v<T, DeathUpdate>) return apply_death(update, out);
          if constexpr (std::is_same_v<T, DataUpdate>) return apply_data(update, now_ms, out);
        },
        u);
    if (!ok) {
      nodes_ = nodes_before;
      return std::unexpected(ok.error());
    }
  }
  if (auto ok = flush(now_ms); !ok) {
    nodes_ = nodes_before;
    return std::unexpected(ok.error());
  }
  if (auto ok = tx->commit(); !ok) {
    nodes_ = nodes_before;
    return std::unexpected(ok.error());
  }
  return out;
}

Result<std::int64_t> Ingest::asset_of(const NodeKey& node, const std::string& device_id,
                                      std::int64_t now_ms) {
  const DeviceKey key{node.group_id, node.edge_node_id, device_id};
  if (auto it = assets_.find(key); it != assets_.end()) return it->second;
  auto id = store_->registry().register_asset(node.group_id, node.edge_node_id, device_id, now_ms);
  if (!id) return std::unexpected(id.error());
  assets_.emplace(key, *id);
  return *id;
}

Status Ingest::apply_birth(const BirthUpdate& birth, std::int64_t now_ms, IngestBatch& out) {
  const std::int64_t ts_ms = birth.timestamp_ms ? static_cast<std::int64_t>(*birth.timestamp_ms) : now_ms;
  if (birth.device_id.empty()) {
    if (auto ok =
            store_->registry().node_birth(birth.node.group_id, birth.node.edge_node_id, birth.bdseq, now_ms);
        !ok)
      return ok;
    NodeStatus& status = nodes_[birth.node];
    status = {birth.node, true, birth.bdseq, ts_ms, {}};
    for (const sp::Metric& m : birth.metrics)
      if (!m.is_null && !is_control(m.name)) status.values[m.name] = text_of(m.value);
    out.events.push_back({IngestEvent::Kind::node_birth, birth.node, {}, 0, ts_ms, false, false, {}, {}});
    return {};
  }
  // A DBIRTH registers (or re-registers) the asset: it is online, and a fresh registration takes the
  // asset's properties as its metadata; later edits by people are kept.
  auto first_sight = !assets_.contains({birth.node.group_id, birth.node.edge_node_id, birth.device_id});
  auto asset = store_->registry().register_asset(birth.node.group_id, birth.node.edge_node_id,
                                                 birth.device_id, now_ms);
  if (!asset) return std::unexpected(asset.error());
  assets_[{birth.node.group_id, birth.node.edge_node_id, birth.device_id}] = *asset;
  if (first_sight) {
    auto current = store_->registry().asset(*asset);
    if (!current) return std::unexpected(current.error());
    store::AssetMetadata m = current->metadata;
    if (m == store::AssetMetadata{}) {
      for (const sp::Metric& metric : birth.metrics) {
        const auto* text = std::get_if<std::string>(&metric.value);
        if (metric.name == "Properties/Bearing" && text) m.bearing = *text;
        if (metric.name == "Properties/Machine class" && text) m.machine_class = *text;
        if (metric.name == "Properties/Location" && text) m.location = *text;
        if (metric.name == "Properties/Criticality")
          if (auto n = number_of(metric.value); n && *n >= 0 && *n <= store::k_max_criticality)
            m.criticality = static_cast<int>(*n);
      }
      if (auto ok = store_->registry().set_metadata(*asset, m); !ok) return ok;
    }
  }
  IngestEvent event{
      IngestEvent::Kind::asset_birth, birth.node, birth.device_id, *asset, ts_ms, false, false, {}, {}};
  if (auto ok = store_values(*asset, birth.metrics, ts_ms, true, event, out); !ok) return ok;
  out.events.push_back(std::move(event));
  return {};
}

Status Ingest::apply_death(const DeathUpdate& death, IngestBatch& out) {
  const auto stale_ms = static_cast<std::int64_t>(death.stale_since_ms);
  if (death.device_id.empty()) {
    auto it = nodes_.find(death.node);
    const std::int64_t bdseq = it != nodes_.end() ? it->second.bdseq : -1;
    auto applied =
        store_->registry().node_death(death.node.group_id, death.node.edge_node_id, bdseq, stale_ms);
    if (!applied) return std::unexpected(applied.error());
    if (it != nodes_.end()) {
      it->second.online = false;
      it->second.since_ms = stale_ms;
    }
    out.events.push_back({IngestEvent::Kind::node_death, death.node, {}, 0, stale_ms, false, false, {}, {}});
    for (const std::string& device : death.devices) {
      auto a = assets_.find({death.node.group_id, death.node.edge_node_id, device});
      if (a != assets_.end())
        out.events.push_back(
            {IngestEvent::Kind::asset_death, death.node, device, a->second, stale_ms, false, true, {}, {}});
    }
    return {};
  }
  auto known = store_->registry().device_death(death.node.group_id, death.node.edge_node_id, death.device_id,
                                               stale_ms);
  if (!known) return std::unexpected(known.error());
  auto a = assets_.find({death.node.group_id, death.node.edge_node_id, death.device_id});
  if (*known && a != assets_.end())
    out.events.push_back({IngestEvent::Kind::asset_death,
                          death.node,
                          death.device_id,
                          a->second,
                          stale_ms,
                          false,
                          false,
                          {},
                          {}});
  return {};
}

Status Ingest::apply_data(const DataUpdate& data, std::int64_t now_ms, IngestBatch& out) {
  const std::int64_t ts_ms = data.timestamp_ms ? static_cast<std::int64_t>(*data.timestamp_ms) : now_ms;
  if (std::find(seen_.begin(), seen_.end(), data.node) == seen_.end()) seen_.push_back(data.node);
  if (data.device_id.empty()) {  // NDATA: node-level values, kept in memory
    NodeStatus& status = nodes_[data.node];
    for (const sp::Metric& m : data.live)
      if (!m.is_null && !is_control(m.name)) status.values[m.name] = text_of(m.value);
    return {};
  }
  // A record seen before is stored once; its acknowledgement may have been lost, so it is acknowledged again.
  bool is_new = data.record_ids.empty();
  for (const std::uint64_t id : data.record_ids) {
    auto noted = store_->records().note(
        {data.node.group_id, data.node.edge_node_id, static_cast<std::int64_t>(id)}, now_ms);
    if (!noted) return std::unexpected(noted.error());
    is_new = is_new || *noted;
  }
  if (!data.record_ids.empty()) {
    auto it = std::find_if(out.acknowledge.begin(), out.acknowledge.end(),
                           [&](const auto& a) { return a.first == data.node; });
    if (it == out.acknowledge.end()) it = out.acknowledge.insert(out.acknowledge.end(), {data.node, {}});
    it->second.insert(it->second.end(), data.record_ids.begin(), data.record_ids.end());
  }
  if (!is_new) {
    ++out.duplicate_records;
    return {};
  }
  auto asset = asset_of(data.node, data.device_id, now_ms);
  if (!asset) return std::unexpected(asset.error());
  if (!data.live.empty()) {
    IngestEvent event{
        IngestEvent::Kind::data, data.node, data.device_id, *asset, ts_ms, false, false, {}, {}};
    if (auto ok = store_values(*asset, data.live, ts_ms, true, event, out); !ok) return ok;
    out.events.push_back(std::move(event));
  }
  if (!data.historical.empty()) {
    IngestEvent event{IngestEvent::Kind::data, data.node, data.device_id, *asset, ts_ms, true, false, {}, {}};
    if (auto ok = store_values(*asset, data.historical, ts_ms, false, event, out); !ok) return ok;
    out.events.push_back(std::move(event));
  }
  return {};
}

Status Ingest::store_values(std::int64_t asset_id, std::span<const sp::Metric> metrics,
                            std::int64_t default_ts_ms, bool live, IngestEvent& event, IngestBatch& out) {
  for (const sp::Metric& m : metrics) {
    if (m.is_null || m.name.empty() || is_control(m.name)) continue;
    const std::int64_t ts_ms = ts_of(m, default_ts_ms);
    if (const auto* bytes = std::get_if<sp::Bytes>(&m.value)) {
      if (!is_evidence(m.name) || bytes->empty()) continue;
      if (auto ok = store_->state().add_evidence({asset_id, m.name, ts_ms, *bytes}); !ok)
        return std::unexpected(ok.error().with_context(m.name));
      ++out.values_stored;
    } else if (std::holds_alternative<std::string>(m.value) || m.name.starts_with("Properties/")) {
      // Properties are the asset's description, not a time series: kept as text, numbers included.
      std::string text = text_of(m.value);
      auto [it, inserted] =
          texts_.try_emplace({asset_id, m.name}, store::TextValue{asset_id, m.name, ts_ms, text});
      if (!inserted && it->second.ts_ms < ts_ms) it->second = {asset_id, m.name, ts_ms, text};
      event.texts.emplace_back(m.name, std::move(text));
      ++out.values_stored;
    } else if (auto n = number_of(m.value); n && std::isfinite(*n)) {
      (live ? live_ : history_).push_back({asset_id, m.name, ts_ms, *n});
      event.numbers.emplace_back(m.name, *n);
      ++out.values_stored;
    }
  }
  return {};
}

Status Ingest::flush(std::int64_t now_ms) {
  for (const NodeKey& node : seen_)
    if (auto ok = store_->registry().node_seen(node.group_id, node.edge_node_id, now_ms); !ok) return ok;
  if (auto ok = store::insert_samples(store_->connection(), store_->retention(), live_, true); !ok) return ok;
  if (auto ok = store::insert_samples(store_->connection(), store_->retention(), history_, false); !ok)
    return ok;
  std::vector<store::TextValue> texts;
  texts.reserve(texts_.size());
  for (auto& [key, value] : texts_) texts.push_back(std::move(value));
  return store::upsert_texts(store_->connection(), texts);
}

}  // namespace vigil::hub
