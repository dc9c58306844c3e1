// Physics-based vibration simulator: the acceleration a radial accelerometer on a bearing housing
// would measure, with shaft harmonics, bearing-defect impacts ringing a structural resonance, noise,
// and a fault that grows towards failure. Ground truth for tests; the simulated plant for the edge.
//
// Signal model (units: g, time t in s, shaft rotation frequency fr = speed_rpm / 60 in Hz):
//
//   x(t) = shaft(t) + sum_k a_k h(t - t_k) + n_sensor(t) + n_machine(t)
//
// * shaft(t): unbalance gives a 1x line; misalignment a dominant 2x line plus some 1x and 3x (the
//   classic field signature; the 1x/3x ratios below are illustrative, not fitted to a machine).
//   Speed may vary slowly: fr(t) = fr0 (1 + e sin(2 pi t / T)); all phases are integrated from fr(t).
// * h(t) = e^{-zeta wn t} sin(wd t) for t >= 0, wd = wn sqrt(1 - zeta^2): the impulse response of one
//   structural resonance (single degree of freedom) excited by each impact (Randall & Antoni 2011,
//   "Rolling element bearing diagnostics - a tutorial", MSSP 25(2), 2011). Impacts land between
//   samples; h is evaluated at the exact sub-sample offset. Implementation: all responses together are
//   one complex phasor z[n] = sum_k a_k e^{(-zeta wn + i wd)(n / fs - t_k)} with x = Im z; each sample
//   multiplies z by e^{(-zeta wn + i wd) / fs}, and an impact adds its own term at the first sample after
//   t_k. The cost per sample does not depend on the impact rate or on the ringing length.
// * Impact times t_k: spacing 1 / f_defect(t) with relative random jitter of standard deviation
//   `slip_fraction` (rolling elements slip, so the series is cyclostationary, not periodic; Randall &
//   Antoni 2011 quote 1-2 %). Defect rates are the kinematic ones of dsp::defect_orders:
//   outer race BPFO, inner race BPFI, ball BSF (twice the spin rate: the ball strikes both races),
//   cage FTF.
// * Amplitudes a_k = impact_g * severity(t_k) * q(psi_k) * (1 + jitter): q is the load on the defect
//   where it is struck, from Stribeck's load distribution over the load zone (Harris, Rolling Bearing
//   Analysis; used for this purpose by McFadden & Smith 1984, "Model for the vibration produced by a
//   single point defect on the inner race of a rolling element bearing", JSV 96(1)):
//       q(psi) = u + (1 - u) * max(0, 1 - (1 - cos psi) / (2 eps))^{3/2},  eps = (1 - cos psi_l) / 2
//   with psi_l the load-zone half angle and u the relative strength of unloaded impacts. The angle
//   psi_k of the defect from the load direction turns at fr for an inner-race defect (sidebands at
//   BPFI +- fr in the envelope spectrum) and at FTF for a ball defect (the ball orbits with the cage);
//   an outer-race defect sits still at outer_race_pit_deg from the load direction, so every impact
//   carries the same q(pit angle): full strength at the centre of the load zone, u outside it (a pit at
//   3 or 12 o'clock under a 6 o'clock load), unmodulated either way; a cage defect is unmodulated.
// * n_sensor: white Gaussian; n_machine: pink-ish (-3 dB/octave) Gaussian noise from Kellet's
//   three-pole filter, scaled to the configured RMS analytically.
// Randomness: impact timing/strength, sensor noise and machine noise use separate seeded streams
// (sim/random.hpp), so the same seed gives the same background with or without a fault.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string_view>

#include "core/error.hpp"
#include "dsp/bearing.hpp"
#include "sim/random.hpp"

namespace vigil::sim {

enum class FaultKind { none, outer_race, inner_race, ball, cage };

// "none", "outer_race", "inner_race", "ball", "cage".
std::string_view to_string(FaultKind kind);
// Inverse of to_string (exact, lower case); not_found names the accepted values.
Result<FaultKind> parse_fault_kind(std::string_view name);

// Misalignment's 1x and 3x amplitudes relative to its 2x amplitude (illustrative ratios within the
// range field guides describe: 2x dominant, 1x and 3x present). The misalignment 1x component is in
// quadrature with the unbalance 1x, so the 1x line has amplitude hypot(unbalance, ratio * misalignment).
inline constexpr double k_misalignment_1x_ratio = 0.5;
inline constexpr double k_misalignment_3x_ratio = 0.3;

enum class SeverityGrowth {
  constant,     // s(t) = s0
  linear,       // s(t) = s0 (1 + t / tau)
  exponential,  // s(t) = s0 exp(t / tau): the usual degradation model of run-to-failure prognostics
};

// Fault severity: a dimensionless multiplier of FaultConfig::impact_g as a function of simulated time,
// saturating at max_severity (the failed state). Before onset_s the bearing is healthy (severity 0); the law
// runs from the onset: s(t) = law(t - onset_s).
struct SeverityLaw {
  SeverityGrowth growth = SeverityGrowth::constant;
  double initial = 1.0;           // s0 >= 0
  double time_constant_s = 3600;  // tau > 0 (unused for constant)
  double max_severity = 1000;     // finite, >= initial
  double onset_s = 0;             // finite, >= 0: when the defect appears

  double at(double time_s) const;
};

struct MachineConfig {
  double sample_rate_hz = 12000;
  double speed_rpm = 1797;               // nominal shaft speed
  dsp::BearingGeometry bearing;          // must pass dsp::validate; e.g. *dsp::find_bearing("6205-2RS")
  double unbalance_g = 0;                // amplitude of the 1x sinusoid from mass unbalance
  double misalignment_g = 0;             // amplitude of the 2x sinusoid (see the ratios above for 1x, 3x)
  double speed_variation_fraction = 0;   // e in fr(t) = fr0 (1 + e sin(2 pi t / T)); 0 <= e < 0.5
  double speed_variation_period_s = 10;  // T
  double resonance_hz = 3000;            // fn = wn / (2 pi), below Nyquist
  double damping_ratio = 0.05;           // zeta in (0, 1)
  double noise_rms_g = 0;                // white sensor noise
  double machine_noise_rms_g = 0;        // pink-ish machine background
};

struct FaultConfig {
  FaultKind kind = FaultKind::none;
  double impact_g = 1.0;                   // a in a e^{-zeta wn t} sin(wd t) at severity 1 and full load
  double slip_fraction = 0.01;             // std. dev. of each spacing / mean spacing, in [0, 0.1]
  double amplitude_jitter_fraction = 0.1;  // std. dev. of each amplitude / mean, in [0, 1]
  double load_zone_half_angle_deg = 90;    // psi_l in (0, 180]; 90 = radial load, zero clearance
  double unloaded_fraction = 0.2;          // u in [0, 1]: impact strength outside the load zone
  double outer_race_pit_deg = 0;           // outer-race defect's angle from the load direction, [-180, 180]
  SeverityLaw severity;
};

// Named set-ups that make tests and demos read like the rigs they imitate. Magnitudes are plausible,
// not fitted to the recordings.
struct Scenario {
  MachineConfig machine;
  FaultConfig fault;

  // CWRU drive end: 6205-2RS, 12 kHz, 3 kHz resonance, 1 g impacts at constant severity.
  static Scenario cwru_like(FaultKind kind, double speed_rpm = 1797.0);
  // PRONOSTIA (FEMTO): 25.6 kHz, its test bearing, a run to failure over `life_s` whose impacts grow
  // exponentially from 2 % to 20 g, the amplitude at which the PRONOSTIA tests were stopped.
  static Scenario pronostia_like(FaultKind kind, double speed_rpm = 1800.0, double life_s = 28020.0);
  // The whole story of a bearing for a live demo or a test of the edge: a smooth machine (shaft lines as
  // cwru_like: ISO class I zone A while healthy) with `bearing` (default: PRONOSTIA's) at `sample_rate_hz`,
  // healthy until onset_fraction * life_s, then a defect of `kind` whose impacts ring a 5 kHz resonance (or
  // 0.3 fs below 16.7 kS/s) and grow exponentially from 2 % (0.4 g) at the onset to 20 g at life_s, and
  // stay there (failed).
  static Scenario degradation(FaultKind kind, double life_s, double onset_fraction = 0.3,
                              double sample_rate_hz = 25600.0, double speed_rpm = 1800.0,
                              std::optional<dsp::BearingGeometry> bearing = std::nullopt);
};

// One simulated accelerometer channel. Deterministic: the same configs and seed give bit-identical
// samples however the caller splits the stream into generate() calls (all state advances per sample;
// the few periodic updates are aligned to absolute sample indices). Across platforms, bits may differ
// only where libm's exp/sin/cos/log round differently. generate() allocates nothing and costs ~20 ns
// per sample (about 2000x real time for one 25.6 kS/s channel on one core).
class Simulator {
 public:
  // Checks both configs (finite values, resonance and defect rates below Nyquist, ...).
  static Result<Simulator> create(const MachineConfig& machine, const FaultConfig& fault, std::uint64_t seed);
  static Result<Simulator> create(const Scenario& scenario, std::uint64_t seed);

  // Writes the next out_g.size() samples (acceleration in g), continuing where the last call stopped.
  void generate(std::span<float> out_g);

  // Simulated time of the next sample to be generated (= samples so far / sample rate).
  double time_s() const { return static_cast<double>(sample_index_) / machine_.sample_rate_hz; }
  std::uint64_t samples_generated() const { return sample_index_; }
  // Severity law at time_s().
  double severity() const { return fault_.severity.at(time_s()); }
  // Instantaneous shaft speed (the nominal speed unless speed variation is on).
  double speed_rpm() const { return shaft_hz_ * 60.0; }
  // Impacts whose response has started so far (ground truth for counting tests).
  std::uint64_t impact_count() const { return impact_count_; }
  // Kinematic defect frequencies at the nominal speed.
  dsp::DefectFrequencies defect_frequencies() const;

  const MachineConfig& machine() const { return machine_; }
  const FaultConfig& fault() const { return fault_; }

 private:
  Simulator(const MachineConfig& machine, const FaultConfig& fault, std::uint64_t seed);
  void update_speed();
  void add_impact();
  double load_factor(double angle_rad) const;

  MachineConfig machine_;
  FaultConfig fault_;
  dsp::DefectOrders orders_;

  // Derived constants.
  double fault_order_ = 0;     // impacts per shaft revolution
  double rotating_order_ = 0;  // revolutions of the modulating part (shaft or cage) per shaft revolution
  double nominal_shaft_hz_ = 0;
  double shaft_1x_sin_g_ = 0, shaft_1x_cos_g_ = 0, shaft_2x_g_ = 0, shaft_3x_g_ = 0;
  double decay_per_sample_ = 0;                 // zeta wn / fs
  double damped_rad_per_sample_ = 0;            // wd / fs
  double ring_step_re_ = 0, ring_step_im_ = 0;  // e^{(-zeta wn + i wd) / fs}
  double stribeck_eps_ = 0.5;
  double fixed_load_ = 1.0;  // q at a defect that does not move through the load zone (outer race)
  double pink_scale_ = 0;    // machine_noise_rms_g / RMS of Kellet's filter for unit white input

  // State.
  std::uint64_t sample_index_ = 0;
  double shaft_hz_ = 0;
  double shaft_revs_ = 0;                 // shaft angle in revolutions, [0, 1)
  double revs_per_sample_ = 0;            // shaft_hz_ / fs
  double shaft_sin_ = 0, shaft_cos_ = 1;  // sin, cos of 2 pi shaft_revs_, advanced by rotation
  double step_sin_ = 0, step_cos_ = 1;    // sin, cos of 2 pi revs_per_sample_
  double modulation_revs_ = 0;            // angle of the modulating part in revolutions, [0, 1)
  double defect_angle_rad_ = 0;           // where on the rotating part the defect sits, from the seed
  double ring_re_ = 0, ring_im_ = 0;      // z[n] = sum_k a_k e^{(-zeta wn + i wd)(t_n - t_k)}; output Im z
  std::uint64_t next_impact_index_ = std::numeric_limits<std::uint64_t>::max();  // impact at index + frac
  double next_impact_frac_ = 0;                                                  // in [0, 1), samples
  std::uint64_t impact_count_ = 0;
  double pink_[3] = {0, 0, 0};
  Xoshiro256 impact_rng_;
  NormalSource impact_normal_;
  NormalSource sensor_noise_;
  NormalSource machine_noise_;
};

}  // namespace vigil::sim
