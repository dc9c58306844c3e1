// Statistical anomaly detector: a multivariate Gaussian model of one asset's healthy (standardised)
// feature vectors, scored by the squared Mahalanobis distance (Hotelling T^2). The statistics are
// additive, so sites (or days) fit separately and merge exactly; the covariance is shrunk so that a few
// dozen healthy windows suffice for ~30 features. Its score feeds ScoreCalibration (calibration.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json_fwd.hpp>

#include "core/error.hpp"
#include "model/gaussian_score.hpp"

namespace vigil::model {

// Additive sufficient statistics of a sample of d-dimensional vectors x_1..x_n, in double:
//   n,  sum_k x_k,  sum_k x_k x_k^T,
// plus the two fourth-order sums the Ledoit-Wolf shrinkage intensity needs,
//   sum_k ||x_k||^4  and  sum_k ||x_k||^2 x_k.
// Every one is a plain sum over samples, so merge(a, b) is exactly the statistics of the union (up to
// the order of floating-point additions). Inputs are expected standardised (Scaler): the central moments
// are recovered as differences (S = sum x x^T / n - mean mean^T), which loses about log10(|mean|^2 /
// variance) of double's 16 digits, nothing for standardised features.
class GaussianStats {
 public:
  static Result<GaussianStats> create(std::size_t dimension);

  // Adds one vector (dimension() finite values). Allocates nothing.
  Status add(std::span<const float> x);
  // Adds n vectors stored row-major (n x dimension()). All-or-nothing: nothing is added on error.
  Status add_rows(std::span<const float> rows);
  // Adds another site's statistics (same dimension).
  Status merge(const GaussianStats& other);

  std::size_t dimension() const { return static_cast<std::size_t>(sum_.size()); }
  std::uint64_t count() const { return count_; }
  const Eigen::VectorXd& sum() const { return sum_; }
  const Eigen::MatrixXd& sum_outer() const { return sum_outer_; }
  double sum_norm4() const { return sum_norm4_; }
  const Eigen::VectorXd& sum_norm2_x() const { return sum_norm2_x_; }

  // {"type": "gaussian_stats", "version": 1, "dimension": d, "count": n, "sum": [...],
  //  "sum_outer": [[...], ...], "sum_norm4": s, "sum_norm2_x": [...]}
  nlohmann::json to_json() const;
  static Result<GaussianStats> from_json(const nlohmann::json& json);

 private:
  GaussianStats() = default;

  std::uint64_t count_ = 0;
  Eigen::VectorXd sum_;
  Eigen::MatrixXd sum_outer_;
  double sum_norm4_ = 0;
  Eigen::VectorXd sum_norm2_x_;
  Eigen::VectorXd scratch_;  // one input vector in double
};

// The merged statistics of two sites.
Result<GaussianStats> merge(const GaussianStats& a, const GaussianStats& b);

// Ledoit & Wolf (2004), "A well-conditioned estimator for large-dimensional covariance matrices",
// Journal of Multivariate Analysis 88(2), 365-411: their consistent estimator S*_n, built from m_n,
// d_n^2, b-bar_n^2 and b_n^2 (named m, d2, b2b, b2 below). With y_k = x_k - mean,
// S = (1/n) sum y_k y_k^T (the sample covariance, divided by n), their normalised Frobenius norm
// ||A||^2 = tr(A A^T) / d and
//   m   = tr(S) / d                                       target: m I (scaled identity)
//   d2  = ||S - m I||^2                                   dispersion of S around the target
//   b2b = (1/n^2) sum_k ||y_k y_k^T - S||^2               estimation error of S
//       = (sum_k ||y_k||_F^4 - n ||S||_F^2) / (n^2 d)     (expanding the square; sum_k y_k^T S y_k = n
//       ||S||_F^2)
//   b2  = min(b2b, d2)
//   rho = b2 / d2  in [0, 1]                              shrinkage intensity (0 when d2 = 0: S = m I)
//   Sigma* = rho m I + (1 - rho) S.
// rho is floored at 1e-6 so that Sigma* stays invertible when n <= d and the estimate of b2 collapses
// (for n = 2 it is exactly 0); an explicit fixed_shrinkage is used as given.
// sum_k ||y_k||^4 is recovered from the additive sums by expanding ||x_k - mean||^4. The same estimator
// as sklearn.covariance.ledoit_wolf.
struct ShrunkCovariance {
  Eigen::VectorXd mean;
  Eigen::MatrixXd sample_covariance;  // S
  double target_variance = 0;         // m
  double shrinkage = 0;               // rho
  Eigen::MatrixXd covariance;         // Sigma*
};

// Needs count() >= 2 and a non-zero total variance. fixed_shrinkage (in [0, 1]) replaces the
// Ledoit-Wolf intensity when given.
Result<ShrunkCovariance> shrunk_covariance(const GaussianStats& stats,
                                           std::optional<double> fixed_shrinkage = std::nullopt);

}  // namespace vigil::model
