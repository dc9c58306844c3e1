// The per-bearing feature cache of read_femto_life (rul_evaluation.hpp): one JSON file per bearing holding
// the key it was made with (folder, channel, bearing, speed, feature schema) and every snapshot's time and
// features, so that a full-cadence set is read from its CSV files once. The file is read back as outside
// bytes: anything that does not match or does not check out is ignored (and recomputed by the caller).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "model/rul_pipeline.hpp"

namespace vigil::eval {

// The bytes of a cache file: {"key": key, "time_s": [...], "log_features": [[2 numbers]...],
// "schema": [[k_feature_count numbers]...]}.
std::string feature_cache_bytes(const nlohmann::json& key, const model::LifeFeatures& life);

// The life in `bytes` (named `name`) when they are a JSON object whose "key" equals `key`, and which holds
// key["snapshots"] snapshots (an integer >= 0), each with a finite time (strictly increasing) and finite
// features of the right counts. nullopt otherwise; never throws.
std::optional<model::LifeFeatures> parse_feature_cache(std::string_view bytes, const nlohmann::json& key,
                                                       std::string name);

}  // namespace vigil::eval
