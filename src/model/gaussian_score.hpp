// Scoring with a fitted Gaussian model of an asset's healthy feature vectors (Hotelling T^2): what the
// runtime and every model bundle hold. Fitting it (the additive statistics, the shrunk covariance) is in
// gaussian_anomaly.hpp; this header stays free of Eigen, which only the fitting code needs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/error.hpp"

namespace vigil::model {

class GaussianStats;  // gaussian_anomaly.hpp

struct GaussianFitConfig {
  std::optional<double> shrinkage;  // nullopt: Ledoit-Wolf's intensity; otherwise this one, in [0, 1]
};

// score(x) = (x - mean)^T Sigma*^-1 (x - mean), the squared Mahalanobis distance, which SPC calls
// Hotelling's T^2 of a single observation (Montgomery, Introduction to Statistical Quality Control, the
// chapter on multivariate process monitoring). For healthy Gaussian data and a well-estimated model it
// is chi^2(d) distributed (mean d); the shrinkage and estimation error make real scores only
// approximately so, which is why the score is calibrated on held-back healthy windows rather than read
// against chi^2 quantiles.
// Computation: Sigma* = L L^T (Cholesky); W = L^-1 (lower triangular) is precomputed at fit, and
// score = ||W (x - mean)||^2: d (d + 1) / 2 multiply-adds, no allocation.
class GaussianAnomaly {
 public:
  static Result<GaussianAnomaly> fit(const GaussianStats& stats, const GaussianFitConfig& config = {});
  // From a mean (d values) and a covariance (d x d, row-major) directly (e.g. read from a file); the
  // covariance must be symmetric positive definite.
  static Result<GaussianAnomaly> from_moments(std::vector<double> mean, std::vector<double> covariance,
                                              std::uint64_t samples, double shrinkage);

  // T^2 of one standardised feature vector (dimension() finite values). Allocates nothing, O(d^2).
  Result<double> score(std::span<const float> x) const;

  std::size_t dimension() const { return mean_.size(); }
  std::span<const double> mean() const { return mean_; }
  std::span<const double> covariance() const { return covariance_; }  // d x d, row-major
  double shrinkage() const { return shrinkage_; }
  std::uint64_t samples() const { return samples_; }

  // {"type": "gaussian_anomaly", "version": 1, "dimension": d, "samples": n, "shrinkage": rho,
  //  "mean": [...], "covariance": [[...], ...]}; the whitening matrix is recomputed on reading.
  nlohmann::json to_json() const;
  static Result<GaussianAnomaly> from_json(const nlohmann::json& json);

 private:
  GaussianAnomaly() = default;

  std::vector<double> mean_;
  std::vector<double> covariance_;  // d x d, row-major
  std::vector<double> whitener_;    // W = L^-1, lower triangle packed row by row: row i holds i + 1 values
  std::uint64_t samples_ = 0;
  double shrinkage_ = 0;
};

}  // namespace vigil::model
