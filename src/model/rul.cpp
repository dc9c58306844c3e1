#include "model/rul.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>
#include <vector>

namespace vigil::model {
namespace {

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// 64-point Gauss-Legendre nodes and weights on [-1, 1] (Newton on P_n from the Chebyshev-like first guess,
// as in Numerical Recipes' gauleg). Computed once, immutable afterwards.
constexpr std::size_t k_quadrature_points = 64;
struct Quadrature {
  std::array<double, k_quadrature_points> node{};
  std::array<double, k_quadrature_points> weight{};
};
const Quadrature& gauss_legendre() {
  static const Quadrature q = [] {
    Quadrature r;
    constexpr std::size_t n = k_quadrature_points;
    const double pi = std::acos(-1.0);
    for (std::size_t i = 0; i < (n + 1) / 2; ++i) {
      double z = std::cos(pi * (static_cast<double>(i) + 0.75) / (static_cast<double>(n) + 0.5));
      double dp = 0;
      for (int iter = 0; iter < 100; ++iter) {
        double p1 = 1, p2 = 0;
        for (std::size_t j = 1; j <= n; ++j) {
          const double p3 = p2;
          p2 = p1;
          const double jd = static_cast<double>(j);
          p1 = ((2 * jd - 1) * z * p2 - (jd - 1) * p3) / jd;
        }
        dp = static_cast<double>(n) * (z * p1 - p2) / (z * z - 1);
        const double step = p1 / dp;
        z -= step;
        if (std::abs(step) < 1e-15) break;
      }
      r.node[i] = -z;
      r.node[n - 1 - i] = z;
      r.weight[i] = r.weight[n - 1 - i] = 2 / ((1 - z * z) * dp * dp);
    }
    return r;
  }();
  return q;
}

bool finite_all(std::initializer_list<double> values) {
  return std::all_of(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
}

}  // namespace

Status validate(const DegradationPrior& p) {
  if (!finite_all({p.theta_mean, p.beta_mean_per_s, p.theta_var, p.beta_var_per_s2, p.theta_beta_cov_per_s,
                   p.noise_var, p.failure_log_level, p.failure_log_level_var, p.phi})) {
    return fail(ErrorCode::invalid_argument, "degradation prior holds a value that is not finite");
  }
  if (!(p.theta_var > 0))
    return fail(ErrorCode::invalid_argument, "theta_var = {}: expected > 0", p.theta_var);
  if (!(p.beta_var_per_s2 > 0)) {
    return fail(ErrorCode::invalid_argument, "beta_var_per_s2 = {}: expected > 0", p.beta_var_per_s2);
  }
  if (!(p.theta_var * p.beta_var_per_s2 > p.theta_beta_cov_per_s * p.theta_beta_cov_per_s)) {
    return fail(
        ErrorCode::invalid_argument,
        "theta_beta_cov_per_s = {}: the prior covariance is not positive definite (variances {} and {})",
        p.theta_beta_cov_per_s, p.theta_var, p.beta_var_per_s2);
  }
  if (!(p.noise_var > 0))
    return fail(ErrorCode::invalid_argument, "noise_var = {}: expected > 0", p.noise_var);
  if (!(p.failure_log_level_var >= 0)) {
    return fail(ErrorCode::invalid_argument, "failure_log_level_var = {}: expected >= 0",
                p.failure_log_level_var);
  }
  if (!(p.phi < 1)) {
    return fail(ErrorCode::invalid_argument, "phi = {}: expected < 1 (the health index is >= 1)", p.phi);
  }
  return {};
}

double health_share(const DegradationPrior& prior, double health_index) {
  const double phi = prior.phi;
  const double healthy = std::log(1 - phi);
  const double span = prior.failure_log_level - healthy;
  if (!(span > 0) || !(health_index > phi)) return 1;
  return std::clamp(1 - (std::log(health_index - phi) - healthy) / span, 0.0, 1.0);
}

Status validate(const RulConfig& c) {
  if (auto ok = validate(c.health); !ok) return ok;
  if (!(c.interval_probability > 0 && c.interval_probability < 1)) {
    return fail(ErrorCode::invalid_argument, "interval_probability = {}: expected a value in (0, 1)",
                c.interval_probability);
  }
  if (!(c.point.fleet > 0 && c.point.fleet < 1)) {
    return fail(ErrorCode::invalid_argument, "point.fleet = {}: expected a value in (0, 1)", c.point.fleet);
  }
  if (!(c.point.degradation > 0 && c.point.degradation < 1)) {
    return fail(ErrorCode::invalid_argument, "point.degradation = {}: expected a value in (0, 1)",
                c.point.degradation);
  }
  if (!(std::isfinite(c.horizon_s) && c.horizon_s > 0)) {
    return fail(ErrorCode::invalid_argument, "horizon_s = {}: expected a finite value > 0", c.horizon_s);
  }
  return {};
}

// ---------------------------------------------------------------------------------------------------
// DegradationPosterior

Result<DegradationPosterior> DegradationPosterior::create(const DegradationPrior& prior) {
  if (auto ok = validate(prior); !ok) return std::unexpected(ok.error());
  DegradationPosterior d;
  d.prior_ = prior;
  const double det =
      prior.theta_var * prior.beta_var_per_s2 - prior.theta_beta_cov_per_s * prior.theta_beta_cov_per_s;
  d.p00_ = prior.beta_var_per_s2 / det;
  d.p01_ = -prior.theta_beta_cov_per_s / det;
  d.p11_ = prior.theta_var / det;
  d.h0_ = d.p00_ * prior.theta_mean + d.p01_ * prior.beta_mean_per_s;
  d.h1_ = d.p01_ * prior.theta_mean + d.p11_ * prior.beta_mean_per_s;
  d.reset();
  return d;
}

void DegradationPosterior::reset() {
  s_n_ = s_t_ = s_tt_ = s_l_ = s_tl_ = 0;
  count_ = 0;
  solve();
}

Status DegradationPosterior::add(double tau_s, double log_signal, double weight) {
  if (!std::isfinite(tau_s) || !std::isfinite(log_signal)) {
    return fail(ErrorCode::invalid_argument, "observation ({} s, {}) is not finite", tau_s, log_signal);
  }
  if (!(weight > 0 && weight <= 1)) {
    return fail(ErrorCode::invalid_argument, "observation weight {}: expected a value in (0, 1]", weight);
  }
  s_n_ += weight;
  s_t_ += weight * tau_s;
  s_tt_ += weight * tau_s * tau_s;
  s_l_ += weight * log_signal;
  s_tl_ += weight * tau_s * log_signal;
  ++count_;
  solve();
  return {};
}

void DegradationPosterior::solve() {
  const double w = 1.0 / prior_.noise_var;
  const double a00 = p00_ + w * s_n_;
  const double a01 = p01_ + w * s_t_;
  const double a11 = p11_ + w * s_tt_;
  const double b0 = h0_ + w * s_l_;
  const double b1 = h1_ + w * s_tl_;
  const double det = a00 * a11 - a01 * a01;  // > 0: prior precision is positive definite
  c00_ = a11 / det;
  c01_ = -a01 / det;
  c11_ = a00 / det;
  mean0_ = c00_ * b0 + c01_ * b1;
  mean1_ = c01_ * b0 + c11_ * b1;
}

double DegradationPosterior::theta_mean() const { return mean0_; }
double DegradationPosterior::beta_mean_per_s() const { return mean1_; }
double DegradationPosterior::theta_var() const { return c00_; }
double DegradationPosterior::beta_var_per_s2() const { return c11_; }
double DegradationPosterior::theta_beta_cov_per_s() const { return c01_; }

double DegradationPosterior::survival_probability(double tau_now_s) const {
  const double mean_y = mean0_ + mean1_ * tau_now_s;
  const double var_y = c00_ + 2 * tau_now_s * c01_ + tau_now_s * tau_now_s * c11_;
  return normal_cdf(-(mean_y - prior_.failure_log_level) / std::sqrt(var_y + prior_.failure_log_level_var));
}

double DegradationPosterior::failure_probability_within(double tau_now_s, double r_s) const {
  const double alive = survival_probability(tau_now_s);
  if (alive < 1e-12) return 0.0;
  const double sd_b = std::sqrt(c11_);
  const double lo = std::max(0.0, mean1_ - 8 * sd_b);
  const double hi = mean1_ + 8 * sd_b;
  if (!(hi > lo)) return 0.0;  // no path rises: none ever fails
  // W = Y - L_D given beta (header comment).
  const double mean_y = mean0_ + mean1_ * tau_now_s;
  const double var_y = c00_ + 2 * tau_now_s * c01_ + tau_now_s * tau_now_s * c11_;
  const double cov_yb = c01_ + tau_now_s * c11_;
  const double slope = cov_yb / c11_;
  const double sd_w = std::sqrt(std::max(var_y - cov_yb * slope + prior_.failure_log_level_var, 1e-300));
  const Quadrature& q = gauss_legendre();
  const double half = 0.5 * (hi - lo);
  const double mid = 0.5 * (hi + lo);
  const double norm = 1 / (sd_b * std::sqrt(2 * std::acos(-1.0)));
  double sum = 0;
  for (std::size_t i = 0; i < k_quadrature_points; ++i) {
    const double beta = mid + half * q.node[i];
    const double zb = (beta - mean1_) / sd_b;
    const double density = norm * std::exp(-0.5 * zb * zb);
    const double m_w = mean_y + slope * (beta - mean1_) - prior_.failure_log_level;
    const double crossed = normal_cdf(-m_w / sd_w) - normal_cdf((-beta * r_s - m_w) / sd_w);
    sum += q.weight[i] * density * crossed;
  }
  return std::clamp(half * sum / alive, 0.0, 1.0);
}

Result<RulQuantiles> DegradationPosterior::residual_life(double tau_now_s, const RulConfig& config) const {
  if (auto ok = validate(config); !ok) return std::unexpected(ok.error());
  if (!(std::isfinite(tau_now_s) && tau_now_s >= 0)) {
    return fail(ErrorCode::invalid_argument, "tau_now_s = {}: expected a finite value >= 0", tau_now_s);
  }
  const double tail = 0.5 * (1 - config.interval_probability);
  return RulQuantiles{.median_s = quantile(tau_now_s, 0.5, config.horizon_s),
                      .low_s = quantile(tau_now_s, tail, config.horizon_s),
                      .high_s = quantile(tau_now_s, 1 - tail, config.horizon_s)};
}

double DegradationPosterior::quantile(double tau_now_s, double q, double horizon_s) const {
  if (survival_probability(tau_now_s) < 1e-12) return 0;  // past the failure level now
  // Smallest r >= 0 with P(RUL <= r | alive) >= q: doubling grid from 1 s, then bisection to 1 ms.
  auto reached = [&](double r) { return failure_probability_within(tau_now_s, r) >= q; };
  double lo = 0;
  double hi = std::min(1.0, horizon_s);
  while (!reached(hi)) {
    if (hi >= horizon_s) return horizon_s;
    lo = hi;
    hi = std::min(2 * hi, horizon_s);
  }
  for (int i = 0; i < 200 && hi - lo > 1e-3; ++i) {
    const double mid = 0.5 * (lo + hi);
    (reached(mid) ? hi : lo) = mid;
  }
  return hi;
}

// ---------------------------------------------------------------------------------------------------
// RulEstimator

std::string_view to_string(RulBasis basis) {
  return basis == RulBasis::degradation ? "degradation" : "fleet";
}

RulEstimator::RulEstimator(const RulConfig& config, HealthMonitor monitor, DegradationPosterior posterior,
                           const FleetLife& fleet)
    : config_(config),
      monitor_(std::move(monitor)),
      posterior_(posterior),
      candidate_(std::move(posterior)),
      fleet_(fleet) {}

Result<RulEstimator> RulEstimator::create(const RulConfig& config, const DegradationPrior& prior,
                                          const FleetLife& fleet) {
  if (auto ok = validate(config); !ok) return std::unexpected(ok.error());
  if (auto ok = validate(fleet); !ok) return std::unexpected(ok.error().with_context("fleet life"));
  auto monitor = HealthMonitor::create(config.health);
  if (!monitor) return std::unexpected(monitor.error());
  auto posterior = DegradationPosterior::create(prior);
  if (!posterior) return std::unexpected(posterior.error());
  return RulEstimator(config, std::move(*monitor), std::move(*posterior), fleet);
}

Status RulEstimator::observe(double time_s, double score) {
  const bool first = monitor_.count() == 0;
  auto state = monitor_.update(time_s, score);
  if (!state) return std::unexpected(state.error());
  if (first) first_s_ = time_s;
  const double dt = first ? 0.0 : time_s - previous_s_;
  previous_s_ = time_s;
  // Weight of the time this snapshot stands for (header); dt > 0 after the baseline, where runs start.
  const double smoothing_s = config_.health.smoothing_s;
  const double weight = smoothing_s > 0 ? std::min(1.0, dt / smoothing_s) : 1.0;
  const double log_signal = std::log(state->health_index - posterior_.prior().phi);
  if (onset_seen_) return posterior_.add(time_s - state->onset_s, log_signal, weight);
  if (!state->exceedance) return {};
  // A run of exceedances: gathered in the candidate, which becomes the posterior at the onset.
  if (state->run_start_s == time_s) candidate_.reset();
  if (auto ok = candidate_.add(time_s - state->run_start_s, log_signal, weight); !ok) return ok;
  if (state->onset_found) {
    onset_seen_ = true;
    posterior_ = candidate_;
  }
  return {};
}

Result<RulEstimate> RulEstimator::estimate(const PointQuantiles& point) const {
  if (!(point.fleet > 0 && point.fleet < 1 && point.degradation > 0 && point.degradation < 1)) {
    return fail(ErrorCode::invalid_argument,
                "point quantiles {} (fleet), {} (degradation): expected in (0, 1)", point.fleet,
                point.degradation);
  }
  if (monitor_.count() == 0) return fail(ErrorCode::not_found, "no snapshot yet");
  const HealthState& state = monitor_.state();
  RulEstimate e;
  e.time_s = state.time_s;
  e.age_s = state.time_s - first_s_;
  e.health_index = state.health_index;
  e.onset_found = state.onset_found;
  e.onset_s = state.onset_s;
  e.observations = posterior_.observations();
  const double tail = 0.5 * (1 - config_.interval_probability);
  e.rul_s = conditional_residual_quantile(fleet_, e.age_s, point.fleet);
  e.rul_low_s = conditional_residual_quantile(fleet_, e.age_s, tail);
  e.rul_high_s = conditional_residual_quantile(fleet_, e.age_s, 1 - tail);
  if (onset_seen_) {
    const double tau = state.time_s - state.onset_s;
    const double own = posterior_.quantile(tau, point.degradation, config_.horizon_s);
    if (own < e.rul_s) {
      e.rul_s = own;
      e.basis = RulBasis::degradation;
    }
    e.rul_low_s = std::min(e.rul_low_s, posterior_.quantile(tau, tail, config_.horizon_s));
    e.rul_high_s = std::min(e.rul_high_s, posterior_.quantile(tau, 1 - tail, config_.horizon_s));
  }
  return e;
}

Result<RulEstimate> RulEstimator::update(double time_s, double score) {
  if (auto ok = observe(time_s, score); !ok) return std::unexpected(ok.error());
  return estimate(config_.point);
}

// ---------------------------------------------------------------------------------------------------
// learn_prior

Result<PriorFit> learn_prior(std::span<const ScoreSeries> training, const HealthIndexConfig& health,
                             double phi) {
  if (!(std::isfinite(phi) && phi < 1)) {
    return fail(ErrorCode::invalid_argument, "phi = {}: expected a finite value < 1", phi);
  }
  PriorFit fit;
  std::string why_not;
  double rss = 0;
  double weight_sum = 0;
  for (const auto& series : training) {
    auto track = track_health(series.time_s, series.score, health);
    if (!track) return std::unexpected(track.error().with_context(series.name));
    AssetFit a;
    a.name = std::string(series.name);
    a.end_s = series.time_s.empty() ? 0.0 : series.time_s.back();
    const HealthState& s = track->final_state;
    if (!s.onset_found) {
      why_not += fmt::format(" {}: no onset;", series.name);
      fit.assets.push_back(std::move(a));
      continue;
    }
    a.onset_s = s.onset_s;
    a.detected_s = s.detected_s;
    // Weighted least squares of L = ln(HI - phi) on tau = t - onset_s over the post-onset snapshots,
    // weights min(1, dt / smoothing_s) as in the posterior (the first point's dt: from its predecessor).
    const std::size_t first = s.onset_index;
    const std::size_t n = series.time_s.size() - first;
    a.points = n;
    std::vector<double> w(n), tau(n), l(n);
    double sw = 0, mean_t = 0, mean_l = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = first + k;
      const double dt = i > 0 ? series.time_s[i] - series.time_s[i - 1] : health.smoothing_s;
      w[k] = health.smoothing_s > 0 ? std::min(1.0, dt / health.smoothing_s) : 1.0;
      tau[k] = series.time_s[i] - s.onset_s;
      l[k] = std::log(track->health_index[i] - phi);
      sw += w[k];
      mean_t += w[k] * tau[k];
      mean_l += w[k] * l[k];
    }
    mean_t /= sw;
    mean_l /= sw;
    double sxx = 0, sxy = 0;
    for (std::size_t k = 0; k < n; ++k) {
      sxx += w[k] * (tau[k] - mean_t) * (tau[k] - mean_t);
      sxy += w[k] * (tau[k] - mean_t) * (l[k] - mean_l);
    }
    if (n < 3 || !(sxx > 0)) {
      why_not += fmt::format(" {}: {} snapshots after the onset (need 3);", series.name, n);
      fit.assets.push_back(std::move(a));
      continue;
    }
    a.beta_per_s = sxy / sxx;
    a.theta = mean_l - a.beta_per_s * mean_t;
    double r = 0;
    for (std::size_t k = 0; k < n; ++k) {
      const double e = l[k] - a.theta - a.beta_per_s * tau[k];
      r += w[k] * e * e;
    }
    a.residual_var = r / sw;
    a.end_log_level = l.back();
    a.used = true;
    rss += r;
    weight_sum += sw;
    fit.assets.push_back(std::move(a));
  }

  std::size_t used = 0;
  double m_theta = 0, m_beta = 0, m_end = 0;
  for (const auto& a : fit.assets) {
    if (!a.used) continue;
    ++used;
    m_theta += a.theta;
    m_beta += a.beta_per_s;
    m_end += a.end_log_level;
  }
  if (used < 2) {
    return fail(ErrorCode::invalid_argument, "{} of {} training lives usable, need 2:{}", used,
                training.size(), why_not);
  }
  const double nu = static_cast<double>(used);
  m_theta /= nu;
  m_beta /= nu;
  m_end /= nu;
  double v_theta = 0, v_beta = 0, c = 0;
  for (const auto& a : fit.assets) {
    if (!a.used) continue;
    v_theta += (a.theta - m_theta) * (a.theta - m_theta);
    v_beta += (a.beta_per_s - m_beta) * (a.beta_per_s - m_beta);
    c += (a.theta - m_theta) * (a.beta_per_s - m_beta);
  }
  double v_end = 0;
  for (const auto& a : fit.assets) {
    if (a.used) v_end += (a.end_log_level - m_end) * (a.end_log_level - m_end);
  }
  v_theta /= nu - 1;
  v_beta /= nu - 1;
  c /= nu - 1;
  v_end /= nu - 1;

  DegradationPrior& p = fit.prior;
  p.theta_mean = m_theta;
  p.beta_mean_per_s = m_beta;
  // Relative ridge (and a tiny absolute one for identical lives) keeps Sigma_0 positive definite.
  p.theta_var = v_theta * (1 + 1e-6) + 1e-12;
  p.beta_var_per_s2 = v_beta * (1 + 1e-6) + 1e-18;
  p.theta_beta_cov_per_s = c;
  p.noise_var = weight_sum > 0 ? std::max(rss / weight_sum, 1e-12) : 1e-12;  // weighted mean squared residual
  p.failure_log_level = m_end;
  p.failure_log_level_var = v_end;
  p.phi = phi;
  p.training_assets = used;
  if (auto ok = validate(p); !ok) return std::unexpected(ok.error().with_context("learned prior"));
  return fit;
}

}  // namespace vigil::model
