#include "diag/diagnosis.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "diag/multi_method.hpp"

namespace vigil::diag {
namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

double logistic(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// A defect pattern an analyst would accept: a harmonic series (two or more lines), or one line that
// stands well clear of the background, or one line with the modulation sidebands its kinematics predict.
bool is_significant(const dsp::DefectEvidence& e, double strong_snr_db) {
  if (e.harmonics_checked == 0) return false;
  if (e.defect == dsp::Defect::cage) return e.harmonics_found >= 2;
  if (e.harmonics_found >= 2) return true;
  const auto& first = e.harmonics[0];
  if (first.found && first.snr_db >= strong_snr_db) return true;
  return first.found && e.sidebands_found >= 1;
}

std::string describe_lines(const dsp::DefectEvidence& e) {
  std::string lines;
  for (int h = 0; h < e.harmonics_checked; ++h) {
    const auto& m = e.harmonics[static_cast<std::size_t>(h)];
    if (!m.found) continue;
    lines += fmt::format("{}{}x at {:.1f} Hz ({:.0f} dB)", lines.empty() ? "" : ", ", m.harmonic, m.found_hz,
                         m.snr_db);
  }
  return lines;
}

}  // namespace

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::normal:
      return "normal";
    case Verdict::inner_race:
      return "inner_race";
    case Verdict::outer_race:
      return "outer_race";
    case Verdict::ball:
      return "ball";
    case Verdict::cage:
      return "cage";
    case Verdict::unknown:
      return "unknown";
  }
  return "unknown";
}

Verdict verdict_for(domain::FaultType fault) {
  switch (fault) {
    case domain::FaultType::normal:
      return Verdict::normal;
    case domain::FaultType::inner_race:
      return Verdict::inner_race;
    case domain::FaultType::outer_race:
      return Verdict::outer_race;
    case domain::FaultType::ball:
      return Verdict::ball;
    case domain::FaultType::cage:
      return Verdict::cage;
  }
  return Verdict::unknown;
}

Verdict verdict_for(dsp::Defect d) {
  switch (d) {
    case dsp::Defect::outer_race:
      return Verdict::outer_race;
    case dsp::Defect::inner_race:
      return Verdict::inner_race;
    case dsp::Defect::ball:
      return Verdict::ball;
    case dsp::Defect::cage:
      return Verdict::cage;
  }
  return Verdict::unknown;
}

namespace {

// The verdict rules, and the evidence that carried a defect verdict (nullptr otherwise).
struct Weighed {
  VerdictScore score;
  const dsp::DefectEvidence* best = nullptr;
};

Weighed weigh_evidence(const VerdictInput& in) {
  Weighed w;
  const dsp::DefectEvidence* runner_up = nullptr;
  for (const auto& e : in.evidence) {
    if (!is_significant(e, in.strong_snr_db > 0 ? in.strong_snr_db : in.min_snr_db + 6.0)) continue;
    if (w.best == nullptr) {
      w.best = &e;
    } else if (runner_up == nullptr) {
      runner_up = &e;
    }
  }
  if (w.best != nullptr) {
    w.score.verdict = verdict_for(w.best->defect);
    // Evidence strength: the mean harmonic SNR (score, dB) through a logistic centred on twice the detection
    // threshold, discounted when a second defect pattern is nearly as strong.
    const double strength = logistic((w.best->score - 2.0 * in.min_snr_db) / 3.0);
    const double margin = runner_up == nullptr ? 1.0 : logistic((w.best->score - runner_up->score) / 2.0);
    w.score.confidence = std::clamp(strength * (0.5 + 0.5 * margin), 0.0, 1.0);
    return w;
  }
  const bool impulsive = in.kurtosis > in.impulsive_kurtosis;
  const bool severe = in.iso_zone == IsoZone::C || in.iso_zone == IsoZone::D;
  if (impulsive || severe) {
    w.score.verdict = Verdict::unknown;
    w.score.confidence = std::clamp(
        std::max(impulsive ? logistic(in.kurtosis - in.impulsive_kurtosis) : 0.0, severe ? 0.75 : 0.0), 0.0,
        1.0);
    return w;
  }
  w.score.verdict = Verdict::normal;
  const double strongest_score = in.evidence[0].score;
  w.score.confidence = std::clamp(1.0 - logistic((strongest_score - in.min_snr_db) / 2.0), 0.0, 1.0);
  return w;
}

}  // namespace

VerdictScore weigh(const VerdictInput& in) { return weigh_evidence(in).score; }

VerdictResult judge(const VerdictInput& in) {
  const Weighed w = weigh_evidence(in);
  VerdictResult r{.verdict = w.score.verdict, .confidence = w.score.confidence, .explanation = {}};
  if (w.best != nullptr) {
    const dsp::DefectEvidence& best = *w.best;
    r.explanation = fmt::format("{} defect: envelope lines at {} of {} {:.1f} Hz", to_string(r.verdict),
                                describe_lines(best), dsp::defect_symbol(best.defect), best.expected_hz);
    if (best.sidebands_found > 0) {
      r.explanation +=
          fmt::format(", {} modulation sideband(s) ({:.0f} dB)", best.sidebands_found, best.sideband_snr_db);
    }
  } else if (r.verdict == Verdict::unknown) {
    r.explanation =
        fmt::format("abnormal vibration (kurtosis {:.1f}, ISO zone {}) without a bearing defect pattern",
                    in.kurtosis, to_string(in.iso_zone));
  } else {
    r.explanation = fmt::format("no defect pattern in the envelope spectrum, kurtosis {:.1f}, ISO zone {}",
                                in.kurtosis, to_string(in.iso_zone));
  }
  return r;
}

Result<Diagnosis> diagnose(std::span<const float> signal, const DiagnosisConfig& config) {
  if (!(config.sample_rate_hz > 0)) {
    return fail(ErrorCode::invalid_argument, "sample rate {} Hz must be positive (give --fs)",
                config.sample_rate_hz);
  }
  if (!(config.speed_rpm > 0)) {
    return fail(ErrorCode::invalid_argument, "shaft speed {} rpm must be positive (give --rpm)",
                config.speed_rpm);
  }
  if (!(config.window_s > 0) || !(config.overlap >= 0 && config.overlap < 1)) {
    return fail(ErrorCode::invalid_argument, "window {} s / overlap {} out of range", config.window_s,
                config.overlap);
  }
  std::size_t window_len = static_cast<std::size_t>(std::lround(config.window_s * config.sample_rate_hz));
  window_len = std::min(window_len, signal.size());
  if (window_len < 256) {
    return fail(ErrorCode::invalid_argument, "recording of {} samples is too short to analyse (need >= 256)",
                signal.size());
  }
  window_len -= window_len % 2;
  const std::size_t hop =
      std::max<std::size_t>(1, static_cast<std::size_t>(double(window_len) * (1.0 - config.overlap)));

  WindowAnalyzerConfig wc{.sample_rate_hz = config.sample_rate_hz,
                          .window_len = window_len,
                          .bearing = config.bearing,
                          .max_speed_rpm = config.speed_rpm * 1.05,
                          .unit = config.unit,
                          .machine_class = config.machine_class,
                          .evidence = config.evidence,
                          .effort = dsp::PlanEffort::estimate};

  Diagnosis d;
  d.time = dsp::time_stats(signal);
  d.frequencies = dsp::defect_frequencies(config.bearing, config.speed_rpm);
  std::vector<double> velocities, kurtoses;

  // Runs per-window methods over the recording and appends their averaged evidence to d.methods.
  auto run_window_methods = [&](std::initializer_list<Demodulation> list, bool primary) -> Result<void> {
    std::vector<WindowAnalyzer> analyzers;
    for (Demodulation method : list) {
      wc.demodulation = method;
      auto a = WindowAnalyzer::create(wc);
      if (!a) return std::unexpected(a.error());
      analyzers.push_back(std::move(*a));
    }
    std::vector<std::vector<double>> sums(analyzers.size());
    std::vector<std::vector<dsp::FrequencyBand>> bands(analyzers.size());
    for (std::size_t m = 0; m < analyzers.size(); ++m) sums[m].assign(analyzers[m].envelope_bins(), 0.0);
    std::size_t windows = 0;
    for (std::size_t start = 0; start + window_len <= signal.size(); start += hop) {
      const auto window = signal.subspan(start, window_len);
      for (std::size_t m = 0; m < analyzers.size(); ++m) {
        const WindowFeatures& f = analyzers[m].analyze(window, config.speed_rpm);
        for (std::size_t k = 0; k < f.envelope.amplitude.size() && k < sums[m].size(); ++k)
          sums[m][k] += f.envelope.amplitude[k];
        bands[m].push_back(f.band);
        if (primary && m == 0) {
          velocities.push_back(f.velocity_rms_mm_s);
          kurtoses.push_back(f.band_kurtosis);
        }
      }
      ++windows;
    }
    if (primary) d.windows = windows;
    for (std::size_t m = 0; m < analyzers.size(); ++m) {
      MethodEvidence me;
      me.method = analyzers[m].config().demodulation;
      me.bin_hz = analyzers[m].envelope_bin_hz();
      me.envelope.resize(sums[m].size());
      for (std::size_t k = 0; k < sums[m].size(); ++k) me.envelope[k] = float(sums[m][k] / double(windows));
      // The band most windows chose (the kurtogram's choice can move between windows).
      std::size_t best_count = 0;
      for (const auto& b : bands[m]) {
        const auto count =
            static_cast<std::size_t>(std::count_if(bands[m].begin(), bands[m].end(), [&](const auto& o) {
              return o.low_hz == b.low_hz && o.high_hz == b.high_hz;
            }));
        if (count > best_count) {
          best_count = count;
          me.band = b;
        }
      }
      me.evidence = analyzers[m].evidence({me.envelope, me.bin_hz, me.band}, d.frequencies);
      d.methods.push_back(std::move(me));
    }
    return {};
  };

  // Stage 1, the primary methods: kurtogram band and cepstrum pre-whitening (docs/diagnosis.md, section 3).
  if (auto ok = run_window_methods({Demodulation::kurtogram, Demodulation::prewhitened}, true); !ok) {
    return std::unexpected(ok.error());
  }
  const Significance base{config.evidence.min_snr_db, config.evidence.min_snr_db + 6.0};
  CombinedEvidence combined = combine(d.methods, base);
  // Clear: a significant pattern whose mean harmonic SNR reaches twice the line threshold (the centre of
  // the confidence logistic, where judge() gives 50 %).
  const bool clear =
      is_significant(combined.evidence[0], base) && combined.evidence[0].score >= 2.0 * base.line_snr_db;

  // Stage 2, only without a clear pattern: the raw signal's full band (method 1 of Smith & Randall) and
  // discrete/random separation + kurtogram (their method 3).
  if (!clear || config.all_methods) {
    if (auto ok = run_window_methods({Demodulation::full_band}, false); !ok)
      return std::unexpected(ok.error());
    if (signal.size() >= 2 * window_len) {
      wc.demodulation = Demodulation::drs_kurtogram;
      auto drs = DrsKurtogram::create(wc);
      if (!drs) return std::unexpected(drs.error());
      auto me = drs->analyze(signal, hop, d.frequencies);
      if (!me) return std::unexpected(me.error());
      d.methods.push_back(std::move(*me));
    }
  }
  for (auto& me : d.methods) {
    const MethodVerdict v = method_verdict(me, base);
    me.verdict = v.verdict;
    me.verdict_score = v.score;
  }
  Significance used = base;
  if (!clear && d.methods.size() > 2) {
    // More methods tried, more chances of a chance pattern: thresholds corrected (Bonferroni) for the
    // number of methods against the two primary ones.
    used = corrected(base, double(d.methods.size()) / 2.0);
    combined = combine(d.methods, used);
    d.extra_methods_decided = true;
  }
  d.evidence = combined.evidence;
  d.evidence_method = combined.method;

  d.velocity_rms_mm_s = median(velocities);
  d.iso_zone = iso_zone(d.velocity_rms_mm_s, config.machine_class);
  d.band_kurtosis = median(kurtoses);
  const VerdictResult v = judge({.evidence = d.evidence,
                                 .kurtosis = d.time.kurtosis,
                                 .iso_zone = d.iso_zone,
                                 .min_snr_db = used.line_snr_db,
                                 .impulsive_kurtosis = config.impulsive_kurtosis,
                                 .strong_snr_db = used.strong_line_snr_db});
  d.verdict = v.verdict;
  d.confidence = v.confidence;
  d.explanation = v.explanation;
  return d;
}

}  // namespace vigil::diag
