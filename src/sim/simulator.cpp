#include "sim/simulator.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numbers>

namespace vigil::sim {
namespace {

constexpr double k_two_pi = 2.0 * std::numbers::pi;

// Every this many samples (counted from sample 0, so the result does not depend on how the caller
// chunks the stream) the shaft speed is re-evaluated and the shaft phasor is recomputed exactly from the
// phase; in between it is advanced by a complex rotation (one multiply instead of sin and cos; 64 steps
// in double drift by ~1e-14). Speed variation is slow (seconds), so a speed that is constant for 64
// samples (5 ms at 12 kHz) while the phase stays continuous is indistinguishable.
constexpr std::uint64_t k_resync_samples = 64;

// Jitter draws are clamped at this many standard deviations so an impact spacing stays positive.
constexpr double k_jitter_clamp_sigma = 3.0;

// Independent random streams (see stream_seed).
constexpr std::uint64_t k_stream_impact_uniform = 1;
constexpr std::uint64_t k_stream_impact_normal = 2;
constexpr std::uint64_t k_stream_sensor_noise = 3;
constexpr std::uint64_t k_stream_machine_noise = 4;

// Paul Kellet's "economy" pink-noise filter (music-dsp mailing list, 1999; musicdsp.org "Pink noise
// filter"): three one-pole low-passes of the same white input plus a direct term,
//   b_i[n] = a_i b_i[n-1] + g_i w[n],   y[n] = b_0 + b_1 + b_2 + c w[n],
// within +-0.5 dB of -3 dB/octave from about fs/4800 up to Nyquist.
constexpr double k_pink_pole[3] = {0.99765, 0.96300, 0.57000};
constexpr double k_pink_gain[3] = {0.0990460, 0.2965164, 1.0526913};
constexpr double k_pink_direct = 0.1848;

// Variance of Kellet's filter output for unit-variance white input. Each b_i is a geometric sum of past
// inputs, so E[b_i b_j] = g_i g_j / (1 - a_i a_j); b_i[n] shares only w[n] with the direct term, so
// E[b_i c w] = g_i c; plus E[(c w)^2] = c^2.
double pink_unit_variance() {
  double v = k_pink_direct * k_pink_direct;
  for (int i = 0; i < 3; ++i) {
    v += 2.0 * k_pink_gain[i] * k_pink_direct;
    for (int j = 0; j < 3; ++j)
      v += k_pink_gain[i] * k_pink_gain[j] / (1.0 - k_pink_pole[i] * k_pink_pole[j]);
  }
  return v;
}

bool finite_non_negative(double x) { return std::isfinite(x) && x >= 0; }
bool finite_positive(double x) { return std::isfinite(x) && x > 0; }

double fault_order(const dsp::DefectOrders& o, FaultKind kind) {
  switch (kind) {
    case FaultKind::none:
      return 0;
    case FaultKind::outer_race:
      return o.bpfo;
    case FaultKind::inner_race:
      return o.bpfi;
    case FaultKind::ball:
      return o.bsf;
    case FaultKind::cage:
      return o.ftf;
  }
  return 0;
}

Status validate_machine(const MachineConfig& m) {
  if (!finite_positive(m.sample_rate_hz)) {
    return fail(ErrorCode::invalid_argument, "machine config: sample_rate_hz {} must be finite and > 0",
                m.sample_rate_hz);
  }
  if (!finite_positive(m.speed_rpm)) {
    return fail(ErrorCode::invalid_argument, "machine config: speed_rpm {} must be finite and > 0",
                m.speed_rpm);
  }
  if (auto ok = dsp::validate(m.bearing); !ok)
    return std::unexpected(ok.error().with_context("machine config"));
  const struct {
    const char* name;
    double value;
  } amplitudes[] = {{"unbalance_g", m.unbalance_g},
                    {"misalignment_g", m.misalignment_g},
                    {"noise_rms_g", m.noise_rms_g},
                    {"machine_noise_rms_g", m.machine_noise_rms_g}};
  for (const auto& a : amplitudes) {
    if (!finite_non_negative(a.value)) {
      return fail(ErrorCode::invalid_argument, "machine config: {} {} must be finite and >= 0", a.name,
                  a.value);
    }
  }
  if (!(m.speed_variation_fraction >= 0 && m.speed_variation_fraction < 0.5)) {
    return fail(ErrorCode::invalid_argument, "machine config: speed_variation_fraction {} outside [0, 0.5)",
                m.speed_variation_fraction);
  }
  if (m.speed_variation_fraction > 0 && !finite_positive(m.speed_variation_period_s)) {
    return fail(ErrorCode::invalid_argument,
                "machine config: speed_variation_period_s {} must be finite and > 0",
                m.speed_variation_period_s);
  }
  if (!(m.damping_ratio > 0 && m.damping_ratio < 1)) {
    return fail(ErrorCode::invalid_argument, "machine config: damping_ratio {} outside (0, 1)",
                m.damping_ratio);
  }
  const double nyquist_hz = 0.5 * m.sample_rate_hz;
  if (!finite_positive(m.resonance_hz) || m.resonance_hz >= nyquist_hz) {
    return fail(ErrorCode::out_of_range,
                "machine config: resonance_hz {} must be > 0 and below Nyquist ({} Hz at sample_rate_hz {})",
                m.resonance_hz, nyquist_hz, m.sample_rate_hz);
  }
  const double max_shaft_hz = m.speed_rpm / 60.0 * (1.0 + m.speed_variation_fraction);
  if (3.0 * max_shaft_hz >= nyquist_hz) {
    return fail(ErrorCode::out_of_range,
                "machine config: 3x shaft harmonic {} Hz (speed_rpm {}) is not below Nyquist ({} Hz)",
                3.0 * max_shaft_hz, m.speed_rpm, nyquist_hz);
  }
  return {};
}

Status validate_fault(const FaultConfig& f, const MachineConfig& m) {
  switch (f.kind) {
    case FaultKind::none:
    case FaultKind::outer_race:
    case FaultKind::inner_race:
    case FaultKind::ball:
    case FaultKind::cage:
      break;
    default:
      return fail(ErrorCode::invalid_argument, "fault config: kind {} is not a FaultKind",
                  static_cast<int>(f.kind));
  }
  if (!finite_non_negative(f.impact_g)) {
    return fail(ErrorCode::invalid_argument, "fault config: impact_g {} must be finite and >= 0", f.impact_g);
  }
  if (!(f.slip_fraction >= 0 && f.slip_fraction <= 0.1)) {
    return fail(ErrorCode::invalid_argument, "fault config: slip_fraction {} outside [0, 0.1]",
                f.slip_fraction);
  }
  if (!(f.amplitude_jitter_fraction >= 0 && f.amplitude_jitter_fraction <= 1)) {
    return fail(ErrorCode::invalid_argument, "fault config: amplitude_jitter_fraction {} outside [0, 1]",
                f.amplitude_jitter_fraction);
  }
  if (!(f.load_zone_half_angle_deg > 0 && f.load_zone_half_angle_deg <= 180)) {
    return fail(ErrorCode::invalid_argument, "fault config: load_zone_half_angle_deg {} outside (0, 180]",
                f.load_zone_half_angle_deg);
  }
  if (!(f.unloaded_fraction >= 0 && f.unloaded_fraction <= 1)) {
    return fail(ErrorCode::invalid_argument, "fault config: unloaded_fraction {} outside [0, 1]",
                f.unloaded_fraction);
  }
  if (!(f.outer_race_pit_deg >= -180 && f.outer_race_pit_deg <= 180)) {
    return fail(ErrorCode::invalid_argument, "fault config: outer_race_pit_deg {} outside [-180, 180]",
                f.outer_race_pit_deg);
  }
  const SeverityLaw& s = f.severity;
  if (!finite_non_negative(s.initial)) {
    return fail(ErrorCode::invalid_argument, "fault config: severity.initial {} must be finite and >= 0",
                s.initial);
  }
  if (s.growth != SeverityGrowth::constant && !finite_positive(s.time_constant_s)) {
    return fail(ErrorCode::invalid_argument,
                "fault config: severity.time_constant_s {} must be finite and > 0", s.time_constant_s);
  }
  if (!finite_non_negative(s.onset_s)) {
    return fail(ErrorCode::invalid_argument, "fault config: severity.onset_s {} must be finite and >= 0",
                s.onset_s);
  }
  if (!std::isfinite(s.max_severity) || !(s.max_severity >= s.initial)) {
    return fail(ErrorCode::invalid_argument,
                "fault config: severity.max_severity {} must be finite and >= initial {}", s.max_severity,
                s.initial);
  }
  // The fastest impact train (top speed, shortest jittered spacing) must leave >= 2 samples per impact.
  const double order = fault_order(dsp::defect_orders(m.bearing), f.kind);
  const double max_rate_hz = order * m.speed_rpm / 60.0 * (1.0 + m.speed_variation_fraction) /
                             (1.0 - k_jitter_clamp_sigma * f.slip_fraction);
  if (max_rate_hz >= 0.5 * m.sample_rate_hz) {
    return fail(ErrorCode::out_of_range,
                "fault config: {} impact rate up to {} Hz at speed_rpm {} is not below Nyquist ({} Hz)",
                to_string(f.kind), max_rate_hz, m.speed_rpm, 0.5 * m.sample_rate_hz);
  }
  return {};
}

}  // namespace

std::string_view to_string(FaultKind kind) {
  switch (kind) {
    case FaultKind::none:
      return "none";
    case FaultKind::outer_race:
      return "outer_race";
    case FaultKind::inner_race:
      return "inner_race";
    case FaultKind::ball:
      return "ball";
    case FaultKind::cage:
      return "cage";
  }
  return "unknown";
}

Result<FaultKind> parse_fault_kind(std::string_view name) {
  for (FaultKind k :
       {FaultKind::none, FaultKind::outer_race, FaultKind::inner_race, FaultKind::ball, FaultKind::cage}) {
    if (to_string(k) == name) return k;
  }
  return fail(ErrorCode::not_found,
              "unknown fault kind '{}' (known: none, outer_race, inner_race, ball, cage)", name);
}

double SeverityLaw::at(double time_s) const {
  if (time_s < onset_s) return 0.0;
  const double since_onset_s = time_s - onset_s;
  double s = initial;
  switch (growth) {
    case SeverityGrowth::constant:
      break;
    case SeverityGrowth::linear:
      s = initial * (1.0 + since_onset_s / time_constant_s);
      break;
    case SeverityGrowth::exponential:
      s = initial * std::exp(since_onset_s / time_constant_s);
      break;
  }
  return std::min(s, max_severity);
}

Scenario Scenario::cwru_like(FaultKind kind, double speed_rpm) {
  auto bearing = dsp::find_bearing("6205-2RS");
  assert(bearing.has_value());
  Scenario s;
  s.machine = MachineConfig{
      .sample_rate_hz = 12000,
      .speed_rpm = speed_rpm,
      .bearing = *bearing,
      // Shaft lines sized so the healthy machine reads ~0.2 mm/s RMS (10-1000 Hz), as CWRU's
      // drive-end recordings do (0.13-0.45 mm/s measured by `vigil eval cwru`): ISO class I zone A.
      .unbalance_g = 0.005,
      .misalignment_g = 0.003,
      .speed_variation_fraction = 0,
      .speed_variation_period_s = 10,
      .resonance_hz = 3000,
      .damping_ratio = 0.05,
      .noise_rms_g = 0.05,
      .machine_noise_rms_g = 0.005,
  };
  s.fault.kind = kind;
  s.fault.impact_g = 1.0;
  return s;
}

Scenario Scenario::pronostia_like(FaultKind kind, double speed_rpm, double life_s) {
  auto bearing = dsp::find_bearing("pronostia");
  assert(bearing.has_value());
  Scenario s;
  s.machine = MachineConfig{
      .sample_rate_hz = 25600,
      .speed_rpm = speed_rpm,
      .bearing = *bearing,
      .unbalance_g = 0.1,
      .misalignment_g = 0.05,
      .speed_variation_fraction = 0,
      .speed_variation_period_s = 10,
      .resonance_hz = 5000,
      .damping_ratio = 0.05,
      .noise_rms_g = 0.1,
      .machine_noise_rms_g = 0.05,
  };
  // s(t) = s0 exp(t / tau) reaches 1 (20 g impacts) at t = life_s: tau = life_s / ln(1 / s0).
  constexpr double initial = 0.02;
  s.fault.kind = kind;
  s.fault.impact_g = 20.0;
  s.fault.severity = SeverityLaw{.growth = SeverityGrowth::exponential,
                                 .initial = initial,
                                 .time_constant_s = life_s / std::log(1.0 / initial),
                                 .max_severity = 1.0};
  return s;
}

Scenario Scenario::degradation(FaultKind kind, double life_s, double onset_fraction, double sample_rate_hz,
                               double speed_rpm, std::optional<dsp::BearingGeometry> bearing) {
  Scenario s = pronostia_like(kind, speed_rpm, life_s);
  s.machine.sample_rate_hz = sample_rate_hz;
  if (bearing) s.machine.bearing = *bearing;
  const MachineConfig smooth = cwru_like(FaultKind::none, speed_rpm).machine;
  s.machine.unbalance_g = smooth.unbalance_g;
  s.machine.misalignment_g = smooth.misalignment_g;
  s.machine.noise_rms_g = smooth.noise_rms_g;
  s.machine.machine_noise_rms_g = smooth.machine_noise_rms_g;
  s.machine.resonance_hz = std::min(s.machine.resonance_hz, 0.3 * sample_rate_hz);
  // Growth from s0 at the onset to 1 at life_s: tau = (life_s - onset_s) / ln(1 / s0).
  const double onset_s = onset_fraction * life_s;
  s.fault.severity.onset_s = onset_s;
  s.fault.severity.time_constant_s = (life_s - onset_s) / std::log(1.0 / s.fault.severity.initial);
  return s;
}

Result<Simulator> Simulator::create(const MachineConfig& machine, const FaultConfig& fault,
                                    std::uint64_t seed) {
  if (auto ok = validate_machine(machine); !ok) return std::unexpected(ok.error());
  if (auto ok = validate_fault(fault, machine); !ok) return std::unexpected(ok.error());
  return Simulator(machine, fault, seed);
}

Result<Simulator> Simulator::create(const Scenario& scenario, std::uint64_t seed) {
  return create(scenario.machine, scenario.fault, seed);
}

Simulator::Simulator(const MachineConfig& machine, const FaultConfig& fault, std::uint64_t seed)
    : machine_(machine),
      fault_(fault),
      orders_(dsp::defect_orders(machine.bearing)),
      impact_rng_(stream_seed(seed, k_stream_impact_uniform)),
      impact_normal_(stream_seed(seed, k_stream_impact_normal)),
      sensor_noise_(stream_seed(seed, k_stream_sensor_noise)),
      machine_noise_(stream_seed(seed, k_stream_machine_noise)) {
  const double fs = machine_.sample_rate_hz;
  nominal_shaft_hz_ = machine_.speed_rpm / 60.0;
  fault_order_ = fault_order(orders_, fault_.kind);
  rotating_order_ = fault_.kind == FaultKind::inner_race ? 1.0
                    : fault_.kind == FaultKind::ball     ? orders_.ftf
                                                         : 0.0;

  shaft_1x_sin_g_ = machine_.unbalance_g;
  shaft_1x_cos_g_ = k_misalignment_1x_ratio * machine_.misalignment_g;
  shaft_2x_g_ = machine_.misalignment_g;
  shaft_3x_g_ = k_misalignment_3x_ratio * machine_.misalignment_g;

  // Resonator: poles at s = -zeta wn +- i wd; one sample step multiplies z by e^{s T}.
  const double wn_rad_s = k_two_pi * machine_.resonance_hz;
  decay_per_sample_ = machine_.damping_ratio * wn_rad_s / fs;
  damped_rad_per_sample_ = wn_rad_s * std::sqrt(1.0 - machine_.damping_ratio * machine_.damping_ratio) / fs;
  ring_step_re_ = std::exp(-decay_per_sample_) * std::cos(damped_rad_per_sample_);
  ring_step_im_ = std::exp(-decay_per_sample_) * std::sin(damped_rad_per_sample_);

  // Stribeck: the load vanishes at psi_l where 1 - (1 - cos psi_l) / (2 eps) = 0.
  stribeck_eps_ = 0.5 * (1.0 - std::cos(fault_.load_zone_half_angle_deg * std::numbers::pi / 180.0));

  if (fault_.kind == FaultKind::outer_race)
    fixed_load_ = load_factor(fault_.outer_race_pit_deg * std::numbers::pi / 180.0);

  pink_scale_ = machine_.machine_noise_rms_g / std::sqrt(pink_unit_variance());

  shaft_hz_ = nominal_shaft_hz_;
  revs_per_sample_ = shaft_hz_ / fs;
  step_sin_ = std::sin(k_two_pi * revs_per_sample_);
  step_cos_ = std::cos(k_two_pi * revs_per_sample_);

  if (fault_.kind != FaultKind::none) {
    defect_angle_rad_ = k_two_pi * impact_rng_.uniform();
    // The first impact falls uniformly within the first mean spacing.
    const double first_position = impact_rng_.uniform() * fs / (fault_order_ * shaft_hz_);
    const double whole = std::floor(first_position);
    next_impact_index_ = static_cast<std::uint64_t>(whole);
    next_impact_frac_ = first_position - whole;
  }
}

dsp::DefectFrequencies Simulator::defect_frequencies() const {
  return dsp::defect_frequencies(machine_.bearing, machine_.speed_rpm);
}

void Simulator::update_speed() {
  const double t_s = time_s();
  shaft_hz_ = nominal_shaft_hz_ * (1.0 + machine_.speed_variation_fraction *
                                             std::sin(k_two_pi * t_s / machine_.speed_variation_period_s));
  revs_per_sample_ = shaft_hz_ / machine_.sample_rate_hz;
  step_sin_ = std::sin(k_two_pi * revs_per_sample_);
  step_cos_ = std::cos(k_two_pi * revs_per_sample_);
}

double Simulator::load_factor(double angle_rad) const {
  const double u = fault_.unloaded_fraction;
  const double x = 1.0 - (1.0 - std::cos(angle_rad)) / (2.0 * stribeck_eps_);
  const double stribeck = x > 0 ? x * std::sqrt(x) : 0.0;  // x^{3/2}, ball bearings (Harris)
  return u + (1.0 - u) * stribeck;
}

// Called while producing sample n = sample_index_ for the pending impact at position p = N + frac
// (N < n): its response e^{-zeta wn tau} sin(wd tau) is added to the resonator with the exact offset
// tau = n - p samples, then the next impact is scheduled.
void Simulator::add_impact() {
  const double fs = machine_.sample_rate_hz;
  const double offset_samples = static_cast<double>(sample_index_ - next_impact_index_) - next_impact_frac_;
  const double impact_time_s = (static_cast<double>(next_impact_index_) + next_impact_frac_) / fs;

  double load = fixed_load_;
  if (rotating_order_ > 0) {
    // Angle of the rotating part at the impact (it has turned offset_samples steps too far by now).
    const double revs = modulation_revs_ - offset_samples * rotating_order_ * revs_per_sample_;
    load = load_factor(k_two_pi * revs + defect_angle_rad_);
  }
  const double jitter = std::clamp(impact_normal_.next(), -k_jitter_clamp_sigma, k_jitter_clamp_sigma);
  const double amplitude_g = std::max(0.0, fault_.impact_g * fault_.severity.at(impact_time_s) * load *
                                               (1.0 + fault_.amplitude_jitter_fraction * jitter));

  const double decay = amplitude_g * std::exp(-decay_per_sample_ * offset_samples);
  const double phase_rad = damped_rad_per_sample_ * offset_samples;
  ring_re_ += decay * std::cos(phase_rad);
  ring_im_ += decay * std::sin(phase_rad);
  ++impact_count_;

  // Next spacing: the current mean period, stretched or shrunk by slip.
  const double slip = std::clamp(impact_normal_.next(), -k_jitter_clamp_sigma, k_jitter_clamp_sigma);
  const double spacing_samples = fs / (fault_order_ * shaft_hz_) * (1.0 + fault_.slip_fraction * slip);
  const double position = next_impact_frac_ + spacing_samples;
  const double whole = std::floor(position);
  next_impact_index_ += static_cast<std::uint64_t>(whole);
  next_impact_frac_ = position - whole;
}

void Simulator::generate(std::span<float> out_g) {
  const bool varying_speed = machine_.speed_variation_fraction > 0;
  const bool sensor_noise = machine_.noise_rms_g > 0;
  const bool machine_noise = machine_.machine_noise_rms_g > 0;

  for (float& sample : out_g) {
    if (sample_index_ % k_resync_samples == 0) {
      if (varying_speed) update_speed();
      shaft_sin_ = std::sin(k_two_pi * shaft_revs_);
      shaft_cos_ = std::cos(k_two_pi * shaft_revs_);
    }
    while (next_impact_index_ < sample_index_) add_impact();

    // Shaft harmonics from the 1x phasor by the multiple-angle identities
    // sin 2x = 2 sin x cos x, sin 3x = sin x (3 - 4 sin^2 x).
    const double s1 = shaft_sin_;
    const double c1 = shaft_cos_;
    shaft_sin_ = s1 * step_cos_ + c1 * step_sin_;
    shaft_cos_ = c1 * step_cos_ - s1 * step_sin_;
    double value = shaft_1x_sin_g_ * s1 + shaft_1x_cos_g_ * c1 + shaft_2x_g_ * (2.0 * s1 * c1) +
                   shaft_3x_g_ * (s1 * (3.0 - 4.0 * s1 * s1));

    // Resonator output Im z[n], then z[n+1] = z[n] e^{sT}.
    value += ring_im_;
    const double re = ring_re_ * ring_step_re_ - ring_im_ * ring_step_im_;
    ring_im_ = ring_re_ * ring_step_im_ + ring_im_ * ring_step_re_;
    ring_re_ = re;

    if (sensor_noise) value += machine_.noise_rms_g * sensor_noise_.next();
    if (machine_noise) {
      const double w = machine_noise_.next();
      for (int i = 0; i < 3; ++i) pink_[i] = k_pink_pole[i] * pink_[i] + k_pink_gain[i] * w;
      value += pink_scale_ * (pink_[0] + pink_[1] + pink_[2] + k_pink_direct * w);
    }
    sample = static_cast<float>(value);

    shaft_revs_ += revs_per_sample_;
    if (shaft_revs_ >= 1.0) shaft_revs_ -= 1.0;
    modulation_revs_ += rotating_order_ * revs_per_sample_;
    if (modulation_revs_ >= 1.0) modulation_revs_ -= 1.0;
    ++sample_index_;
  }
}

}  // namespace vigil::sim
