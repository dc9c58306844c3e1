#include "model/scaler.hpp"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

namespace vigil::model {
namespace {

constexpr double k_mad_to_sigma = 1.482602218505602;  // 1 / Phi^-1(3/4)

double median_of(std::vector<double>& v) {
  const std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const double upper = v[mid];
  if (v.size() % 2 == 1) return upper;
  const double lower = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
  return 0.5 * (lower + upper);
}

bool degenerate(double scale, double centre) { return !(scale > 1e-9 * std::max(1.0, std::abs(centre))); }

// A finite double array of exactly `size` values (size 0 = any non-empty size) under json[key].
Result<std::vector<double>> read_array(const nlohmann::json& json, const char* key, std::size_t size) {
  const auto it = json.find(key);
  if (it == json.end() || !it->is_array())
    return fail(ErrorCode::parse, "scaler: '{}' missing or not an array", key);
  if (size != 0 && it->size() != size) {
    return fail(ErrorCode::parse, "scaler: '{}' has {} values, expected {}", key, it->size(), size);
  }
  std::vector<double> out;
  out.reserve(it->size());
  for (const auto& v : *it) {
    if (!v.is_number()) return fail(ErrorCode::parse, "scaler: '{}'[{}] is not a number", key, out.size());
    out.push_back(v.get<double>());
    if (!std::isfinite(out.back()))
      return fail(ErrorCode::parse, "scaler: '{}'[{}] is not finite", key, out.size() - 1);
  }
  if (out.empty()) return fail(ErrorCode::parse, "scaler: '{}' is empty", key);
  return out;
}

}  // namespace

std::string_view to_string(ScalerMethod method) {
  return method == ScalerMethod::robust ? "robust" : "standard";
}

Result<Scaler> Scaler::fit(std::span<const float> rows, std::size_t dimension, ScalerMethod method) {
  if (dimension == 0) return fail(ErrorCode::invalid_argument, "scaler: dimension must be > 0");
  if (rows.size() % dimension != 0) {
    return fail(ErrorCode::invalid_argument, "scaler: {} values are not whole rows of {} features",
                rows.size(), dimension);
  }
  const std::size_t n = rows.size() / dimension;
  if (n < 2) return fail(ErrorCode::invalid_argument, "scaler: needs at least 2 healthy windows, got {}", n);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (!std::isfinite(rows[i])) {
      return fail(ErrorCode::invalid_argument, "scaler: row {} feature {} is not finite", i / dimension,
                  i % dimension);
    }
  }

  Scaler s;
  s.method_ = method;
  s.centre_.assign(dimension, 0.0);
  s.scale_.assign(dimension, 1.0);
  std::vector<double> column(n);
  for (std::size_t j = 0; j < dimension; ++j) {
    for (std::size_t i = 0; i < n; ++i) column[i] = rows[i * dimension + j];
    // Two-pass mean and standard deviation (ddof = 1).
    double mean = 0;
    for (double v : column) mean += v;
    mean /= double(n);
    double ss = 0;
    for (double v : column) ss += (v - mean) * (v - mean);
    const double sd = std::sqrt(ss / double(n - 1));

    double centre = mean;
    double scale = sd;
    if (method == ScalerMethod::robust) {
      centre = median_of(column);
      for (double& v : column) v = std::abs(v - centre);
      const double mad = k_mad_to_sigma * median_of(column);
      scale = degenerate(mad, centre) ? sd : mad;
    }
    s.centre_[j] = centre;
    s.scale_[j] = degenerate(scale, centre) ? 1.0 : scale;
  }
  return s;
}

Status Scaler::transform(std::span<const float> x, std::span<float> out) const {
  if (x.size() != dimension() || out.size() != dimension()) {
    return fail(ErrorCode::invalid_argument, "scaler: got {} features (output {}), expected {}", x.size(),
                out.size(), dimension());
  }
  for (std::size_t j = 0; j < x.size(); ++j) {
    out[j] = static_cast<float>((double(x[j]) - centre_[j]) / scale_[j]);
  }
  return {};
}

nlohmann::json Scaler::to_json() const {
  return {{"type", "scaler"},
          {"version", 1},
          {"method", to_string(method_)},
          {"centre", centre_},
          {"scale", scale_}};
}

Result<Scaler> Scaler::from_json(const nlohmann::json& json) {
  if (!json.is_object()) return fail(ErrorCode::parse, "scaler: expected a JSON object");
  const auto type = json.find("type");
  if (type == json.end() || !type->is_string() || type->get_ref<const std::string&>() != "scaler") {
    return fail(ErrorCode::parse, "scaler: 'type' is not \"scaler\"");
  }
  const auto version = json.find("version");
  if (version == json.end() || !version->is_number_integer() || version->get<int>() != 1) {
    return fail(ErrorCode::unsupported, "scaler: unsupported version (expected 1)");
  }
  const auto method = json.find("method");
  if (method == json.end() || !method->is_string()) return fail(ErrorCode::parse, "scaler: 'method' missing");
  Scaler s;
  const auto& name = method->get_ref<const std::string&>();
  if (name == "standard") {
    s.method_ = ScalerMethod::standard;
  } else if (name == "robust") {
    s.method_ = ScalerMethod::robust;
  } else {
    return fail(ErrorCode::parse, "scaler: unknown method '{}' (standard, robust)", name);
  }
  auto centre = read_array(json, "centre", 0);
  if (!centre) return std::unexpected(centre.error());
  auto scale = read_array(json, "scale", centre->size());
  if (!scale) return std::unexpected(scale.error());
  for (std::size_t j = 0; j < scale->size(); ++j) {
    if (!((*scale)[j] > 0))
      return fail(ErrorCode::parse, "scaler: scale[{}] = {} must be > 0", j, (*scale)[j]);
  }
  s.centre_ = std::move(*centre);
  s.scale_ = std::move(*scale);
  return s;
}

}  // namespace vigil::model
