// Remaining useful life of one asset from its health index: an exponential degradation model whose
// parameters are updated by Bayes' rule as snapshots arrive (Gebraeel, Lawley, Li & Ryan 2005,
// "Residual-life distributions from component degradation signals: a Bayesian approach", IIE
// Transactions 37, 543-557). Sits after health_index.hpp; the prior is learned from other assets' lives.
#pragma once

#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "model/fleet_life.hpp"
#include "model/health_index.hpp"

namespace vigil::model {

// Model (Gebraeel et al. 2005, section 2, with the degradation clock started at the onset):
//     S(t) = phi + exp(theta' + beta' tau + eps(tau)),   tau = t - onset_s >= 0
//     L(tau) = ln(S - phi) = theta' + beta' tau + eps,    eps ~ N(0, sigma^2) iid
// with S the health index (HI >= 1, health_index.hpp), phi < 1 a constant offset, and
// (theta', beta') ~ N(mu_0, Sigma_0) over a population of assets. The asset fails when S reaches D,
// i.e. when the path reaches L_D = ln(D - phi).
//
// Posterior after observations (tau_i, L_i), i = 1..k (their eq. 5-6 in matrix form, x_i = [1, tau_i]'):
//     Sigma_k^-1 = Sigma_0^-1 + (1 / sigma^2) sum x_i x_i'
//     mu_k = Sigma_k (Sigma_0^-1 mu_0 + (1 / sigma^2) sum x_i L_i)
// kept as running sums, so an update costs O(1) and allocates nothing.
//
// Residual life. Gebraeel et al. (eq. 8-10) take P(T <= t) = P(path above L_D at t) and condition it on
// survival to now; that is a first-passage law only when every path rises (beta' > 0). Here the first
// passage of the line is computed exactly, and the failure level is uncertain across the population,
// L_D ~ N(mu_D, s_D^2) independent of (theta', beta'). With the posterior N(mu, C) of (theta', beta') at
// tau_0 (now), the path now is Y = theta' + beta' tau_0 and W = Y - L_D. Given beta', W is Gaussian:
//     m_W(beta) = mu_Y + (c_Yb / C_bb)(beta - mu_b) - mu_D,   s_W^2 = v_Y - c_Yb^2 / C_bb + s_D^2,
//     mu_Y = mu_th + mu_b tau_0,  v_Y = C_thth + 2 tau_0 C_thb + tau_0^2 C_bb,  c_Yb = C_thb + tau_0 C_bb.
// The asset is alive now iff W < 0, which has probability S = Phi(-(mu_Y - mu_D) / sqrt(v_Y + s_D^2)); a
// line alive now crosses within r iff beta' > 0 and W >= -beta' r. Hence
//     P(RUL <= r | alive) = (1/S) int_{beta>0} N(beta; mu_b, C_bb) [Phi(-m_W/s_W) - Phi((-beta r - m_W)/s_W)]
//     dbeta
// (64-point Gauss-Legendre over beta in [max(0, mu_b - 8 sd), mu_b + 8 sd]), monotone in r. Its median and
// (1 -+ p)/2 quantiles are rul_s, rul_low_s, rul_high_s (doubling grid from 1 s, then bisection to 1 ms).
// Paths with beta' <= 0 never fail: a quantile above the probability of ever failing is reported as
// horizon_s. When the posterior holds the asset already past the failure level (S < 1e-12), RUL = 0.
//
// Observations are weighted by the time they stand for, w = min(1, dt / smoothing_s) with dt the time
// since the previous snapshot: the health index is a first-order filter with that time constant, so
// snapshots closer together than it carry largely the same information. Each observation then adds
// w x x' / sigma^2 to the precision, and the posterior after a stretch of life depends on its duration,
// not on how many snapshots were taken in it (15 snapshots at 10 s weigh what one at 150 s weighs).
struct DegradationPrior {
  double theta_mean = 0;             // mu_0[0]: ln(HI - phi) at the onset
  double beta_mean_per_s = 0;        // mu_0[1]: growth rate of ln(HI - phi)
  double theta_var = 1;              // Sigma_0[0][0]
  double beta_var_per_s2 = 1e-6;     // Sigma_0[1][1]
  double theta_beta_cov_per_s = 0;   // Sigma_0[0][1]
  double noise_var = 0.1;            // sigma^2
  double failure_log_level = 1;      // mu_D: mean of L_D = ln(D - phi)
  double failure_log_level_var = 0;  // s_D^2 >= 0: its spread over the population
  double phi = 0;                    // < 1 (the health index is >= 1)
  std::size_t training_assets = 0;   // how many lives it was learned from (0 = stated by hand)
};

// invalid_argument naming the field: non-finite values, variances <= 0, Sigma_0 not positive definite,
// phi >= 1.
Status validate(const DegradationPrior& prior);

// A health index HI (>= 1, growing with damage; health_index.hpp) as the share of life left on the index's
// scale: 1 at the healthy baseline (HI = 1), 0 at the fleet's mean failure level D, log-linear between,
//   1 - (ln(HI - phi) - ln(1 - phi)) / (ln(D - phi) - ln(1 - phi)), clamped to [0, 1]
// (phi and ln(D - phi) = failure_log_level from the prior; 1 when the prior spans no range). What the edge
// reports as Health/Index (Modbus, Sparkplug) and `vigil rul` prints.
double health_share(const DegradationPrior& prior, double health_index);

// The quantiles reported as the estimate (rul_s), each in (0, 1): a low one is conservative, which the
// PHM 2012 score rewards (late estimates cost four times more than early ones).
struct PointQuantiles {
  double fleet = 0.5;        // of the fleet's conditional law (fleet_life.hpp)
  double degradation = 0.5;  // of the degradation law after the onset
};

struct RulConfig {
  HealthIndexConfig health;
  double interval_probability = 0.90;  // p in (0, 1): rul_low_s / rul_high_s are the (1 -+ p)/2 quantiles
  PointQuantiles point;
  double horizon_s = 1e7;  // > 0: search bound of the degradation law's quantiles
};
Status validate(const RulConfig& config);

// The residual-life distribution summarised.
struct RulQuantiles {
  double median_s = 0;
  double low_s = 0;   // (1 - p) / 2 quantile
  double high_s = 0;  // (1 + p) / 2 quantile
};

// The Bayesian core on (tau, L) observations: prior -> posterior -> residual-life quantiles.
class DegradationPosterior {
 public:
  static Result<DegradationPosterior> create(const DegradationPrior& prior);

  // One observation L = ln(HI - phi) at tau_s after the onset (both finite), of weight in (0, 1].
  Status add(double tau_s, double log_signal, double weight = 1);
  // Back to the prior.
  void reset();

  std::size_t observations() const { return count_; }
  // Posterior mean and covariance of (theta', beta').
  double theta_mean() const;
  double beta_mean_per_s() const;
  double theta_var() const;
  double beta_var_per_s2() const;
  double theta_beta_cov_per_s() const;

  // S above: probability that the asset has not reached the failure level at tau_now_s after the onset.
  double survival_probability(double tau_now_s) const;
  // P(RUL <= r_s | alive at tau_now_s) above (0 when S < 1e-12).
  double failure_probability_within(double tau_now_s, double r_s) const;
  // Residual-life quantiles at tau_now_s >= 0 after the onset. invalid_argument for a bad config or tau.
  Result<RulQuantiles> residual_life(double tau_now_s, const RulConfig& config) const;
  // The q-quantile (q in (0, 1)) at tau_now_s >= 0, horizon_s when beyond it; 0 past the failure level.
  // Values are not checked (residual_life checks them).
  double quantile(double tau_now_s, double q, double horizon_s) const;

  const DegradationPrior& prior() const { return prior_; }

 private:
  DegradationPosterior() = default;
  void solve();

  DegradationPrior prior_;
  // Prior precision and precision-weighted mean.
  double p00_ = 0, p01_ = 0, p11_ = 0, h0_ = 0, h1_ = 0;
  // Running sums: sum 1, tau, tau^2, L, tau L.
  double s_n_ = 0, s_t_ = 0, s_tt_ = 0, s_l_ = 0, s_tl_ = 0;
  std::size_t count_ = 0;
  // Posterior mean and covariance (updated by solve()).
  double mean0_ = 0, mean1_ = 0, c00_ = 0, c01_ = 0, c11_ = 0;
};

// Which statement gave the estimate.
enum class RulBasis {
  fleet,        // no degradation detected (or the fleet's statement is the earlier one): fleet_life.hpp
  degradation,  // the asset's own degradation path (the posterior above)
};
std::string_view to_string(RulBasis basis);  // "fleet", "degradation"

// What the estimator says after a snapshot. Every value is the earlier of two statements: the fleet's
// conditional remaining life at the asset's age (age = time since its first snapshot), always; and, once
// the onset is detected, the degradation law's. Each quantile (point, low, high) is the smaller of the
// two: the fleet's statement holds whatever the signals say, and the degradation law sharpens it.
struct RulEstimate {
  double time_s = 0;
  double age_s = 0;  // time_s - time of the first snapshot
  double health_index = 1;
  bool onset_found = false;
  double onset_s = std::numeric_limits<double>::quiet_NaN();
  double rul_s = 0;       // the smaller of the two laws' point quantiles (PointQuantiles)
  double rul_low_s = 0;   // (1 - p) / 2 quantile (5th percentile with the default p = 0.90)
  double rul_high_s = 0;  // (1 + p) / 2 quantile
  RulBasis basis = RulBasis::fleet;
  std::size_t observations = 0;  // post-onset snapshots in the posterior
};

// Health monitor + Bayesian posterior + fleet law for one asset, fed every snapshot's anomaly score in
// time order. Observations of the run of exceedances that becomes the onset enter the posterior from its
// first snapshot (they are gathered in a candidate posterior while the run lasts). observe() and
// estimate() allocate nothing.
class RulEstimator {
 public:
  static Result<RulEstimator> create(const RulConfig& config, const DegradationPrior& prior,
                                     const FleetLife& fleet);

  // One snapshot (same domain as HealthMonitor::update), without computing an estimate.
  Status observe(double time_s, double score);
  // The estimate at the last snapshot with these point quantiles (each in (0, 1), else invalid_argument);
  // not_found before any snapshot.
  Result<RulEstimate> estimate(const PointQuantiles& point) const;
  // observe() then estimate(config.point).
  Result<RulEstimate> update(double time_s, double score);

  const HealthMonitor& monitor() const { return monitor_; }
  const DegradationPosterior& posterior() const { return posterior_; }

 private:
  RulEstimator(const RulConfig& config, HealthMonitor monitor, DegradationPosterior posterior,
               const FleetLife& fleet);

  RulConfig config_;
  HealthMonitor monitor_;
  DegradationPosterior posterior_;
  DegradationPosterior candidate_;  // observations of the current run of exceedances, before the onset
  FleetLife fleet_;
  double first_s_ = 0;
  double previous_s_ = 0;
  bool onset_seen_ = false;
};

// One training life: the anomaly scores of an asset run to failure (its last snapshot is the failure).
struct ScoreSeries {
  std::string_view name;
  std::span<const double> time_s;
  std::span<const double> score;
};

// What was learned from one training life.
struct AssetFit {
  std::string name;
  bool used = false;  // onset found and enough points after it
  double onset_s = std::numeric_limits<double>::quiet_NaN();
  double detected_s = std::numeric_limits<double>::quiet_NaN();
  double end_s = 0;
  std::size_t points = 0;  // post-onset snapshots
  double theta = 0;        // least-squares ln(HI - phi) = theta + beta tau
  double beta_per_s = 0;
  double residual_var = 0;
  double end_log_level = 0;  // ln(HI - phi) at the last snapshot (failure)
};

struct PriorFit {
  DegradationPrior prior;
  std::vector<AssetFit> assets;
};

// Empirical-Bayes prior from run-to-failure lives (Gebraeel et al. 2005, section 4): per life, the health
// index and onset of `health`, then weighted least squares on its post-onset (tau, ln(HI - phi)) points (at
// least 3; weights as in the posterior above, so a life's fit does not depend on its snapshot interval).
// mu_0 and Sigma_0 are the mean and sample covariance of the per-life (theta, beta); sigma^2 the pooled
// weighted mean squared residual; mu_D and s_D^2 the mean and sample variance of ln(HI - phi) at failure (the
// last snapshot of each life). Sigma_0 gets a relative 1e-6 ridge on its diagonal so two lives cannot make it
// singular. invalid_argument when fewer than 2 lives are usable (the error lists why each was not), or a
// series is malformed.
Result<PriorFit> learn_prior(std::span<const ScoreSeries> training, const HealthIndexConfig& health,
                             double phi = 0);

}  // namespace vigil::model
