#include "eval/feature_cache.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace vigil::eval {
namespace {

// A finite number at j (no exception for any JSON value).
std::optional<double> finite_number(const nlohmann::json& j) {
  if (!j.is_number()) return std::nullopt;
  const double v = j.get<double>();
  if (!std::isfinite(v)) return std::nullopt;
  return v;
}

// The array at field of j with exactly n elements, or nullptr.
const nlohmann::json* array_of(const nlohmann::json& j, const char* field, std::size_t n) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_array() || it->size() != n) return nullptr;
  return &*it;
}

}  // namespace

std::string feature_cache_bytes(const nlohmann::json& key, const model::LifeFeatures& life) {
  nlohmann::json j = {{"key", key}, {"time_s", life.time_s}, {"log_features", life.features}};
  j["schema"] = life.schema;
  return j.dump();
}

std::optional<model::LifeFeatures> parse_feature_cache(std::string_view bytes, const nlohmann::json& key,
                                                       std::string name) {
  const nlohmann::json j = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  auto stored_key = j.find("key");
  if (stored_key == j.end() || *stored_key != key || !key.is_object()) return std::nullopt;
  auto count = key.find("snapshots");
  if (count == key.end() || !count->is_number_integer() || count->get<std::int64_t>() < 0)
    return std::nullopt;
  const auto n = static_cast<std::size_t>(count->get<std::int64_t>());
  const nlohmann::json* t = array_of(j, "time_s", n);
  const nlohmann::json* f = array_of(j, "log_features", n);
  const nlohmann::json* x = array_of(j, "schema", n);
  if (t == nullptr || f == nullptr || x == nullptr) return std::nullopt;
  model::LifeFeatures life;
  life.name = std::move(name);
  life.time_s.reserve(n);
  life.features.resize(n);
  life.schema.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto time = finite_number((*t)[i]);
    if (!time || (i > 0 && !(*time > life.time_s.back()))) return std::nullopt;
    life.time_s.push_back(*time);
    const nlohmann::json& row = (*f)[i];
    const nlohmann::json& schema = (*x)[i];
    if (!row.is_array() || row.size() != model::k_rul_feature_count || !schema.is_array() ||
        schema.size() != model::k_feature_count) {
      return std::nullopt;
    }
    for (std::size_t k = 0; k < model::k_rul_feature_count; ++k) {
      auto v = finite_number(row[k]);
      if (!v) return std::nullopt;
      life.features[i][k] = *v;
    }
    for (std::size_t k = 0; k < model::k_feature_count; ++k) {
      auto v = finite_number(schema[k]);
      if (!v || !std::isfinite(static_cast<float>(*v))) return std::nullopt;
      life.schema[i][k] = static_cast<float>(*v);
    }
  }
  return life;
}

}  // namespace vigil::eval
