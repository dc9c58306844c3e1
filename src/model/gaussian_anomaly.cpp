#include "model/gaussian_anomaly.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/Cholesky>
#include <nlohmann/json.hpp>

namespace vigil::model {
namespace {

using RowMajorMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// An Eigen vector or matrix as plain values (a matrix row-major).
std::vector<double> to_vector(const Eigen::VectorXd& v) { return {v.data(), v.data() + v.size()}; }
std::vector<double> to_vector(const Eigen::MatrixXd& m) {
  const RowMajorMatrix r = m;
  return {r.data(), r.data() + r.size()};
}

// Largest feature dimension accepted (a model bundle of 256 KB holds a d x d covariance up to d ~ 150;
// the schema has 28).
constexpr std::size_t k_max_dimension = 1024;

// Smallest Ledoit-Wolf intensity used (see shrunk_covariance).
constexpr double k_min_shrinkage = 1e-6;

Result<Eigen::VectorXd> read_vector(const nlohmann::json& json, const char* key, std::size_t size,
                                    std::string_view what) {
  const auto it = json.find(key);
  if (it == json.end() || !it->is_array())
    return fail(ErrorCode::parse, "{}: '{}' missing or not an array", what, key);
  if (it->size() != size)
    return fail(ErrorCode::parse, "{}: '{}' has {} values, expected {}", what, key, it->size(), size);
  Eigen::VectorXd v(static_cast<Eigen::Index>(size));
  for (std::size_t i = 0; i < size; ++i) {
    const auto& e = (*it)[i];
    if (!e.is_number()) return fail(ErrorCode::parse, "{}: '{}'[{}] is not a number", what, key, i);
    v[static_cast<Eigen::Index>(i)] = e.get<double>();
    if (!std::isfinite(v[static_cast<Eigen::Index>(i)]))
      return fail(ErrorCode::parse, "{}: '{}'[{}] is not finite", what, key, i);
  }
  return v;
}

Result<Eigen::MatrixXd> read_matrix(const nlohmann::json& json, const char* key, std::size_t size,
                                    std::string_view what) {
  const auto it = json.find(key);
  if (it == json.end() || !it->is_array())
    return fail(ErrorCode::parse, "{}: '{}' missing or not an array", what, key);
  if (it->size() != size)
    return fail(ErrorCode::parse, "{}: '{}' has {} rows, expected {}", what, key, it->size(), size);
  const auto d = static_cast<Eigen::Index>(size);
  Eigen::MatrixXd m(d, d);
  for (std::size_t i = 0; i < size; ++i) {
    const auto& row = (*it)[i];
    if (!row.is_array() || row.size() != size) {
      return fail(ErrorCode::parse, "{}: '{}' row {} does not have {} values", what, key, i, size);
    }
    for (std::size_t j = 0; j < size; ++j) {
      if (!row[j].is_number())
        return fail(ErrorCode::parse, "{}: '{}'[{}][{}] is not a number", what, key, i, j);
      const double v = row[j].get<double>();
      if (!std::isfinite(v)) return fail(ErrorCode::parse, "{}: '{}'[{}][{}] is not finite", what, key, i, j);
      m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = v;
    }
  }
  return m;
}

nlohmann::json matrix_json(const Eigen::MatrixXd& m) {
  nlohmann::json rows = nlohmann::json::array();
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    nlohmann::json row = nlohmann::json::array();
    for (Eigen::Index j = 0; j < m.cols(); ++j) row.push_back(m(i, j));
    rows.push_back(std::move(row));
  }
  return rows;
}

nlohmann::json vector_json(const Eigen::VectorXd& v) {
  nlohmann::json a = nlohmann::json::array();
  for (Eigen::Index i = 0; i < v.size(); ++i) a.push_back(v[i]);
  return a;
}

// Checks the header {"type": type, "version": 1} and returns "dimension" (1..k_max_dimension).
Result<std::size_t> read_header(const nlohmann::json& json, std::string_view type) {
  if (!json.is_object()) return fail(ErrorCode::parse, "{}: expected a JSON object", type);
  const auto t = json.find("type");
  if (t == json.end() || !t->is_string() || t->get_ref<const std::string&>() != type) {
    return fail(ErrorCode::parse, "{}: 'type' is not \"{}\"", type, type);
  }
  const auto version = json.find("version");
  if (version == json.end() || !version->is_number_integer() || version->get<std::int64_t>() != 1) {
    return fail(ErrorCode::unsupported, "{}: unsupported version (expected 1)", type);
  }
  const auto dim = json.find("dimension");
  if (dim == json.end() || !dim->is_number_unsigned() || dim->get<std::uint64_t>() == 0 ||
      dim->get<std::uint64_t>() > k_max_dimension) {
    return fail(ErrorCode::parse, "{}: 'dimension' missing or outside [1, {}]", type, k_max_dimension);
  }
  return static_cast<std::size_t>(dim->get<std::uint64_t>());
}

}  // namespace

// ---------------------------------------------------------------------------------------------- stats

Result<GaussianStats> GaussianStats::create(std::size_t dimension) {
  if (dimension == 0 || dimension > k_max_dimension) {
    return fail(ErrorCode::invalid_argument, "gaussian stats: dimension {} outside [1, {}]", dimension,
                k_max_dimension);
  }
  const auto d = static_cast<Eigen::Index>(dimension);
  GaussianStats s;
  s.sum_ = Eigen::VectorXd::Zero(d);
  s.sum_outer_ = Eigen::MatrixXd::Zero(d, d);
  s.sum_norm2_x_ = Eigen::VectorXd::Zero(d);
  s.scratch_ = Eigen::VectorXd::Zero(d);
  return s;
}

Status GaussianStats::add(std::span<const float> x) {
  if (x.size() != dimension()) {
    return fail(ErrorCode::invalid_argument, "gaussian stats: vector of {} features, expected {}", x.size(),
                dimension());
  }
  for (std::size_t j = 0; j < x.size(); ++j) {
    if (!std::isfinite(x[j]))
      return fail(ErrorCode::invalid_argument, "gaussian stats: feature {} is not finite", j);
    scratch_[static_cast<Eigen::Index>(j)] = x[j];
  }
  const double norm2 = scratch_.squaredNorm();
  ++count_;
  sum_ += scratch_;
  sum_outer_.noalias() += scratch_ * scratch_.transpose();
  sum_norm4_ += norm2 * norm2;
  sum_norm2_x_ += norm2 * scratch_;
  return {};
}

Status GaussianStats::add_rows(std::span<const float> rows) {
  const std::size_t d = dimension();
  if (rows.size() % d != 0) {
    return fail(ErrorCode::invalid_argument, "gaussian stats: {} values are not whole rows of {} features",
                rows.size(), d);
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (!std::isfinite(rows[i])) {
      return fail(ErrorCode::invalid_argument, "gaussian stats: row {} feature {} is not finite", i / d,
                  i % d);
    }
  }
  for (std::size_t r = 0; r < rows.size() / d; ++r) {
    if (auto ok = add(rows.subspan(r * d, d)); !ok) return ok;
  }
  return {};
}

Status GaussianStats::merge(const GaussianStats& other) {
  if (other.dimension() != dimension()) {
    return fail(ErrorCode::invalid_argument, "gaussian stats: cannot merge dimension {} into {}",
                other.dimension(), dimension());
  }
  count_ += other.count_;
  sum_ += other.sum_;
  sum_outer_ += other.sum_outer_;
  sum_norm4_ += other.sum_norm4_;
  sum_norm2_x_ += other.sum_norm2_x_;
  return {};
}

Result<GaussianStats> merge(const GaussianStats& a, const GaussianStats& b) {
  GaussianStats out = a;
  if (auto ok = out.merge(b); !ok) return std::unexpected(ok.error());
  return out;
}

nlohmann::json GaussianStats::to_json() const {
  return {{"type", "gaussian_stats"}, {"version", 1},
          {"dimension", dimension()}, {"count", count_},
          {"sum", vector_json(sum_)}, {"sum_outer", matrix_json(sum_outer_)},
          {"sum_norm4", sum_norm4_},  {"sum_norm2_x", vector_json(sum_norm2_x_)}};
}

Result<GaussianStats> GaussianStats::from_json(const nlohmann::json& json) {
  auto d = read_header(json, "gaussian_stats");
  if (!d) return std::unexpected(d.error());
  auto s = create(*d);
  if (!s) return s;
  const auto count = json.find("count");
  if (count == json.end() || !count->is_number_unsigned()) {
    return fail(ErrorCode::parse, "gaussian_stats: 'count' missing or not a non-negative integer");
  }
  const auto norm4 = json.find("sum_norm4");
  if (norm4 == json.end() || !norm4->is_number() || !std::isfinite(norm4->get<double>()) ||
      norm4->get<double>() < 0) {
    return fail(ErrorCode::parse, "gaussian_stats: 'sum_norm4' missing or not a finite non-negative number");
  }
  auto sum = read_vector(json, "sum", *d, "gaussian_stats");
  if (!sum) return std::unexpected(sum.error());
  auto outer = read_matrix(json, "sum_outer", *d, "gaussian_stats");
  if (!outer) return std::unexpected(outer.error());
  auto norm2_x = read_vector(json, "sum_norm2_x", *d, "gaussian_stats");
  if (!norm2_x) return std::unexpected(norm2_x.error());
  s->count_ = count->get<std::uint64_t>();
  s->sum_ = std::move(*sum);
  s->sum_outer_ = std::move(*outer);
  s->sum_norm4_ = norm4->get<double>();
  s->sum_norm2_x_ = std::move(*norm2_x);
  return s;
}

// ------------------------------------------------------------------------------------------ shrinkage

Result<ShrunkCovariance> shrunk_covariance(const GaussianStats& stats,
                                           std::optional<double> fixed_shrinkage) {
  if (fixed_shrinkage && !(*fixed_shrinkage >= 0 && *fixed_shrinkage <= 1)) {
    return fail(ErrorCode::invalid_argument, "gaussian anomaly: shrinkage {} outside [0, 1]",
                *fixed_shrinkage);
  }
  const std::uint64_t count = stats.count();
  if (count < 2) {
    return fail(ErrorCode::invalid_argument, "gaussian anomaly: needs at least 2 healthy vectors, got {}",
                count);
  }
  const double n = double(count);
  const auto d = static_cast<double>(stats.dimension());
  const Eigen::Index dim = static_cast<Eigen::Index>(stats.dimension());

  ShrunkCovariance out;
  out.mean = stats.sum() / n;
  const Eigen::VectorXd& mu = out.mean;
  out.sample_covariance = stats.sum_outer() / n - mu * mu.transpose();
  // Symmetrise (the sum of outer products is symmetric up to rounding of the accumulation order).
  out.sample_covariance = 0.5 * (out.sample_covariance + out.sample_covariance.transpose()).eval();
  const Eigen::MatrixXd& s = out.sample_covariance;

  const double m = s.trace() / d;
  if (!(m > 0) || !std::isfinite(m)) {
    return fail(ErrorCode::invalid_argument,
                "gaussian anomaly: the {} healthy vectors have zero total variance (every feature constant)",
                count);
  }
  out.target_variance = m;

  if (fixed_shrinkage) {
    out.shrinkage = *fixed_shrinkage;
  } else {
    // sum_k ||x_k - mu||^4 from the additive sums (C = sum x x^T, v = sum ||x||^2 x):
    //   sum ||x||^4 + 4 mu^T C mu - 4 v^T mu + 2 ||mu||^2 tr(C) - 3 n ||mu||^4.
    const double mu2 = mu.squaredNorm();
    const double sum_y4 = stats.sum_norm4() + 4.0 * mu.dot(stats.sum_outer() * mu) -
                          4.0 * stats.sum_norm2_x().dot(mu) + 2.0 * mu2 * stats.sum_outer().trace() -
                          3.0 * n * mu2 * mu2;
    const double s_frob2 = s.squaredNorm();
    const double d2 = (s - m * Eigen::MatrixXd::Identity(dim, dim)).squaredNorm() / d;
    const double b2_bar = std::max(0.0, (sum_y4 - n * s_frob2) / (n * n * d));
    const double b2 = std::min(b2_bar, d2);
    out.shrinkage = d2 > 0 ? std::clamp(b2 / d2, 0.0, 1.0) : 0.0;
    // With very few samples the estimate of b2 collapses (for n = 2 it is exactly 0: both centred
    // samples have the same outer product) while S is singular; a floor keeps Sigma* invertible.
    out.shrinkage = std::max(out.shrinkage, k_min_shrinkage);
  }
  out.covariance = (1.0 - out.shrinkage) * s;
  out.covariance.diagonal().array() += out.shrinkage * m;
  return out;
}

// ---------------------------------------------------------------------------------------------- model

Result<GaussianAnomaly> GaussianAnomaly::fit(const GaussianStats& stats, const GaussianFitConfig& config) {
  auto shrunk = shrunk_covariance(stats, config.shrinkage);
  if (!shrunk) return std::unexpected(shrunk.error());
  return from_moments(to_vector(shrunk->mean), to_vector(shrunk->covariance), stats.count(),
                      shrunk->shrinkage);
}

Result<GaussianAnomaly> GaussianAnomaly::from_moments(std::vector<double> mean_values,
                                                      std::vector<double> covariance_values,
                                                      std::uint64_t samples, double shrinkage) {
  const auto d = static_cast<Eigen::Index>(mean_values.size());
  if (d == 0 || static_cast<std::size_t>(d) > k_max_dimension) {
    return fail(ErrorCode::invalid_argument, "gaussian anomaly: dimension {} outside [1, {}]", d,
                k_max_dimension);
  }
  if (covariance_values.size() != mean_values.size() * mean_values.size()) {
    return fail(ErrorCode::invalid_argument, "gaussian anomaly: covariance has {} values, expected {}x{}",
                covariance_values.size(), d, d);
  }
  const Eigen::Map<const Eigen::VectorXd> mean(mean_values.data(), d);
  const Eigen::Map<const RowMajorMatrix> covariance(covariance_values.data(), d, d);
  if (!mean.allFinite() || !covariance.allFinite()) {
    return fail(ErrorCode::invalid_argument, "gaussian anomaly: mean or covariance is not finite");
  }
  const double asymmetry = (covariance - covariance.transpose()).cwiseAbs().maxCoeff();
  if (asymmetry > 1e-9 * std::max(1.0, covariance.cwiseAbs().maxCoeff())) {
    return fail(ErrorCode::invalid_argument,
                "gaussian anomaly: covariance is not symmetric (max |C - C^T| = {:g})", asymmetry);
  }
  Eigen::LLT<Eigen::MatrixXd> llt(covariance);
  if (llt.info() != Eigen::Success) {
    return fail(ErrorCode::invalid_argument, "gaussian anomaly: covariance is not positive definite");
  }
  // W = L^-1 by forward substitution on the identity.
  const Eigen::MatrixXd w = llt.matrixL().solve(Eigen::MatrixXd::Identity(d, d));
  if (!w.allFinite())
    return fail(ErrorCode::invalid_argument, "gaussian anomaly: covariance is numerically singular");

  GaussianAnomaly g;
  g.whitener_.reserve(static_cast<std::size_t>(d * (d + 1) / 2));
  for (Eigen::Index i = 0; i < d; ++i) {
    for (Eigen::Index j = 0; j <= i; ++j) g.whitener_.push_back(w(i, j));
  }
  g.mean_ = std::move(mean_values);
  g.covariance_ = std::move(covariance_values);
  g.samples_ = samples;
  g.shrinkage_ = shrinkage;
  return g;
}

Result<double> GaussianAnomaly::score(std::span<const float> x) const {
  const std::size_t d = dimension();
  if (x.size() != d) {
    return fail(ErrorCode::invalid_argument, "gaussian anomaly: vector of {} features, expected {}", x.size(),
                d);
  }
  for (std::size_t j = 0; j < d; ++j) {
    if (!std::isfinite(x[j]))
      return fail(ErrorCode::invalid_argument, "gaussian anomaly: feature {} is not finite", j);
  }
  // z_i = sum_{j <= i} W_ij (x_j - mean_j); T^2 = sum_i z_i^2.
  const double* w = whitener_.data();
  const double* mu = mean_.data();
  double t2 = 0;
  for (std::size_t i = 0; i < d; ++i) {
    double z = 0;
    for (std::size_t j = 0; j <= i; ++j) z += w[j] * (double(x[j]) - mu[j]);
    w += i + 1;
    t2 += z * z;
  }
  return t2;
}

nlohmann::json GaussianAnomaly::to_json() const {
  return {{"type", "gaussian_anomaly"},
          {"version", 1},
          {"dimension", dimension()},
          {"samples", samples_},
          {"shrinkage", shrinkage_},
          {"mean", vector_json(Eigen::Map<const Eigen::VectorXd>(mean_.data(), Eigen::Index(dimension())))},
          {"covariance", matrix_json(Eigen::Map<const RowMajorMatrix>(
                             covariance_.data(), Eigen::Index(dimension()), Eigen::Index(dimension())))}};
}

Result<GaussianAnomaly> GaussianAnomaly::from_json(const nlohmann::json& json) {
  auto d = read_header(json, "gaussian_anomaly");
  if (!d) return std::unexpected(d.error());
  const auto samples = json.find("samples");
  if (samples == json.end() || !samples->is_number_unsigned()) {
    return fail(ErrorCode::parse, "gaussian_anomaly: 'samples' missing or not a non-negative integer");
  }
  const auto shrinkage = json.find("shrinkage");
  if (shrinkage == json.end() || !shrinkage->is_number() || !(shrinkage->get<double>() >= 0) ||
      !(shrinkage->get<double>() <= 1)) {
    return fail(ErrorCode::parse, "gaussian_anomaly: 'shrinkage' missing or outside [0, 1]");
  }
  auto mean = read_vector(json, "mean", *d, "gaussian_anomaly");
  if (!mean) return std::unexpected(mean.error());
  auto cov = read_matrix(json, "covariance", *d, "gaussian_anomaly");
  if (!cov) return std::unexpected(cov.error());
  auto g = from_moments(to_vector(*mean), to_vector(*cov), samples->get<std::uint64_t>(),
                        shrinkage->get<double>());
  if (!g) return std::unexpected(g.error().with_context("gaussian_anomaly"));
  return g;
}

}  // namespace vigil::model
