#include "diag/multi_method.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace vigil::diag {
namespace {

constexpr double k_sideband_weight = 0.25;  // as in dsp::DefectEvidence::score

// Mean over checked harmonics of max(SNR, 0) + a quarter of the sideband SNR above the line threshold:
// the score of defect_evidence.hpp, recomputed after a recount.
double score_of(const dsp::DefectEvidence& e, double line_snr_db, int harmonics_requested) {
  double sum = 0;
  for (int h = 0; h < e.harmonics_checked; ++h)
    sum += std::max(e.harmonics[static_cast<std::size_t>(h)].snr_db, 0.0);
  return sum / std::max(harmonics_requested, 1) +
         k_sideband_weight * std::max(e.sideband_snr_db - line_snr_db, 0.0);
}

std::size_t index_of(dsp::Defect d) { return static_cast<std::size_t>(d); }

}  // namespace

std::string_view to_string(Demodulation method) {
  switch (method) {
    case Demodulation::kurtogram:
      return "kurtogram";
    case Demodulation::prewhitened:
      return "prewhitened";
    case Demodulation::full_band:
      return "full_band";
    case Demodulation::drs_kurtogram:
      return "drs_kurtogram";
  }
  return "?";
}

std::string_view short_name(Demodulation method) {
  switch (method) {
    case Demodulation::kurtogram:
      return "SK";
    case Demodulation::prewhitened:
      return "CPW";
    case Demodulation::full_band:
      return "RAW";
    case Demodulation::drs_kurtogram:
      return "DRS";
  }
  return "?";
}

Significance corrected(const Significance& base, double factor) {
  if (!(factor > 1)) return base;
  const double extra = std::log2(factor);
  auto raise = [extra](double db) { return 10.0 * std::log10(std::pow(10.0, db / 10.0) + extra); };
  return {raise(base.line_snr_db), raise(base.strong_line_snr_db)};
}

dsp::DefectEvidence recount(const dsp::DefectEvidence& evidence, const Significance& s) {
  dsp::DefectEvidence e = evidence;
  e.harmonics_found = 0;
  for (int h = 0; h < e.harmonics_checked; ++h) {
    auto& m = e.harmonics[static_cast<std::size_t>(h)];
    m.found = m.snr_db >= s.line_snr_db;
    if (m.found) ++e.harmonics_found;
  }
  // The finder counted sidebands at its own threshold; at a higher one, only the best sideband's SNR is
  // known, so the count is kept when it passes and cleared when it does not.
  if (e.sideband_snr_db < s.line_snr_db) e.sidebands_found = 0;
  return e;
}

bool is_significant(const dsp::DefectEvidence& evidence, const Significance& s) {
  const dsp::DefectEvidence e = recount(evidence, s);
  if (e.harmonics_checked == 0) return false;
  if (e.defect == dsp::Defect::cage) return e.harmonics_found >= 2;
  if (e.harmonics_found >= 2) return true;
  const auto& first = e.harmonics[0];
  if (first.snr_db >= s.strong_line_snr_db) return true;
  return first.found && e.sidebands_found >= 1;
}

namespace {

// The cage-or-ball rule on one method's evidence (recounted): returns the evidence array with the cage
// series folded into the ball's when a BSF harmonic is present.
std::array<dsp::DefectEvidence, dsp::k_defect_count> resolve_cage(
    const std::array<dsp::DefectEvidence, dsp::k_defect_count>& raw, const Significance& s, bool& folded) {
  std::array<dsp::DefectEvidence, dsp::k_defect_count> e{};
  for (std::size_t i = 0; i < e.size(); ++i) e[i] = recount(raw[i], s);
  folded = false;
  dsp::DefectEvidence& cage = e[index_of(dsp::Defect::cage)];
  dsp::DefectEvidence& ball = e[index_of(dsp::Defect::ball)];
  if (!is_significant(cage, s) || ball.harmonics_found < 1) return e;
  double best_ftf_db = 0;
  for (int h = 0; h < cage.harmonics_checked; ++h)
    best_ftf_db = std::max(best_ftf_db, cage.harmonics[static_cast<std::size_t>(h)].snr_db);
  ball.sidebands_found += cage.harmonics_found;
  ball.sideband_snr_db = std::max(ball.sideband_snr_db, best_ftf_db);
  ball.score = score_of(ball, s.line_snr_db, std::max(ball.harmonics_checked, 1));
  cage.harmonics_found = 0;
  for (auto& m : cage.harmonics) m.found = false;
  cage.score = 0;
  folded = true;
  return e;
}

}  // namespace

MethodVerdict method_verdict(const MethodEvidence& method, const Significance& s) {
  bool folded = false;
  const auto e = resolve_cage(method.evidence, s, folded);
  MethodVerdict v;
  for (const auto& d : e) {
    if (is_significant(d, s) && d.score > v.score) v = {verdict_for(d.defect), d.score};
  }
  return v;
}

CombinedEvidence combine(std::span<const MethodEvidence> methods, const Significance& s) {
  CombinedEvidence c;
  std::vector<std::array<dsp::DefectEvidence, dsp::k_defect_count>> resolved;
  std::vector<bool> folded(methods.size(), false);
  resolved.reserve(methods.size());
  for (std::size_t m = 0; m < methods.size(); ++m) {
    bool f = false;
    resolved.push_back(resolve_cage(methods[m].evidence, s, f));
    folded[m] = f;
  }
  std::array<dsp::DefectEvidence, dsp::k_defect_count> best{};
  std::array<Demodulation, dsp::k_defect_count> best_method{};
  for (std::size_t i = 0; i < dsp::k_defect_count && !methods.empty(); ++i) {
    // Per defect: a method where the pattern is significant beats one where it is not; then the score.
    std::size_t pick = 0;
    for (std::size_t m = 1; m < methods.size(); ++m) {
      const bool sig_m = is_significant(resolved[m][i], s);
      const bool sig_pick = is_significant(resolved[pick][i], s);
      if ((sig_m && !sig_pick) || (sig_m == sig_pick && resolved[m][i].score > resolved[pick][i].score))
        pick = m;
    }
    best[i] = resolved[pick][i];
    best_method[i] = methods[pick].method;
    if (i == index_of(dsp::Defect::ball)) c.cage_is_ball = folded[pick] && is_significant(best[i], s);
  }
  std::array<std::size_t, dsp::k_defect_count> order{};
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const bool sa = is_significant(best[a], s);
    const bool sb = is_significant(best[b], s);
    if (sa != sb) return sa;
    return best[a].score > best[b].score;
  });
  for (std::size_t i = 0; i < order.size(); ++i) {
    c.evidence[i] = best[order[i]];
    c.method[i] = best_method[order[i]];
  }
  return c;
}

std::array<FamilyFinding, dsp::k_defect_count> find_families(std::span<const MethodEvidence> methods,
                                                             const dsp::DefectFrequencies& frequencies,
                                                             const Significance& s) {
  // The modulation each family's series carries (as in DefectEvidenceFinder): shaft rate for the inner
  // race, FTF for a ball.
  const std::array<double, dsp::k_defect_count> modulation_hz{0.0, frequencies.shaft_hz, frequencies.ftf_hz,
                                                              0.0};
  std::array<FamilyFinding, dsp::k_defect_count> findings{};
  std::vector<double> explained_hz;
  for (const MethodEvidence& m : methods) {
    const double tolerance_hz = k_shared_line_bins * m.bin_hz;
    const double end_hz = static_cast<double>(m.envelope.size()) * m.bin_hz;
    std::array<dsp::DefectEvidence, dsp::k_defect_count> e{};
    for (std::size_t i = 0; i < e.size(); ++i) e[i] = recount(m.evidence[i], s);
    std::array<std::size_t, dsp::k_defect_count> order{};
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return e[a].score > e[b].score; });
    explained_hz.clear();
    for (std::size_t i : order) {
      dsp::DefectEvidence own = e[i];
      for (int h = 0; h < own.harmonics_checked; ++h) {
        auto& line = own.harmonics[static_cast<std::size_t>(h)];
        const bool shared = std::any_of(explained_hz.begin(), explained_hz.end(), [&](double hz) {
          return std::abs(hz - line.found_hz) <= tolerance_hz;
        });
        if (!shared) continue;
        // The sidebands were looked for around every found harmonic, this one too: their count cannot
        // be split, so it goes with the shared line.
        if (line.snr_db >= s.line_snr_db) own.sidebands_found = 0;
        line.snr_db = std::min(line.snr_db, 0.0);
      }
      if (!is_significant(own, s)) continue;
      if (!findings[i].found) findings[i] = {true, m.method};
      double fundamental_sum = 0;
      int found = 0;
      for (int h = 0; h < own.harmonics_checked; ++h) {
        const auto& line = own.harmonics[static_cast<std::size_t>(h)];
        if (line.snr_db < s.line_snr_db) continue;
        fundamental_sum += line.found_hz / line.harmonic;
        ++found;
      }
      if (found == 0 || !(m.bin_hz > 0)) continue;
      const double fundamental = fundamental_sum / found;
      for (int k = 1; k <= 2 * own.harmonics_checked && k * fundamental <= end_hz; ++k) {
        explained_hz.push_back(k * fundamental);
        for (int side = 1; side <= k_explained_sidebands && modulation_hz[i] > 0; ++side) {
          explained_hz.push_back(k * fundamental - side * modulation_hz[i]);
          explained_hz.push_back(k * fundamental + side * modulation_hz[i]);
        }
      }
    }
  }
  return findings;
}

std::string_view to_string(Identification identification) {
  switch (identification) {
    case Identification::clear:
      return "clear";
    case Identification::partial:
      return "partial";
    case Identification::missed:
      return "missed";
  }
  return "?";
}

Identification identify(Verdict truth, Verdict verdict,
                        const std::array<FamilyFinding, dsp::k_defect_count>& found) {
  if (truth == verdict) return Identification::clear;
  auto found_defect = [&](dsp::Defect d) { return found[index_of(d)].found; };
  switch (truth) {
    case Verdict::outer_race:
      return found_defect(dsp::Defect::outer_race) ? Identification::partial : Identification::missed;
    case Verdict::inner_race:
      return found_defect(dsp::Defect::inner_race) ? Identification::partial : Identification::missed;
    case Verdict::ball:
      return found_defect(dsp::Defect::ball) || found_defect(dsp::Defect::cage) ? Identification::partial
                                                                                : Identification::missed;
    case Verdict::cage:
      return found_defect(dsp::Defect::cage) ? Identification::partial : Identification::missed;
    case Verdict::normal:
    case Verdict::unknown:
      return Identification::missed;
  }
  return Identification::missed;
}

Result<DrsKurtogram> DrsKurtogram::create(const WindowAnalyzerConfig& config) {
  WindowAnalyzerConfig probe = config;
  probe.demodulation = Demodulation::kurtogram;
  // Validates the configuration exactly as the per-window pipeline does.
  if (auto a = WindowAnalyzer::create(probe); !a) return std::unexpected(a.error());
  DrsKurtogram d;
  d.config_ = config;
  d.config_.demodulation = Demodulation::drs_kurtogram;
  auto fft = dsp::RealFft::create(config.window_len, config.effort, dsp::FftDirections::forward_only);
  if (!fft) return std::unexpected(fft.error());
  d.fft_.emplace(std::move(*fft));
  auto drs = dsp::DiscreteRandomSeparation::create(config.window_len, config.window_len);
  if (!drs) return std::unexpected(drs.error());
  d.drs_.emplace(std::move(*drs));
  auto kurtogram = dsp::Kurtogram::create(kurtogram_config(config));
  if (!kurtogram) return std::unexpected(kurtogram.error());
  d.kurtogram_.emplace(std::move(*kurtogram));
  auto envelope = dsp::EnvelopeAnalyzer::create(envelope_config(config));
  if (!envelope) return std::unexpected(envelope.error());
  d.envelope_.emplace(std::move(*envelope));
  auto finder = dsp::DefectEvidenceFinder::create(d.envelope_->envelope_bins(), config.evidence);
  if (!finder) return std::unexpected(finder.error());
  d.finder_.emplace(std::move(*finder));
  d.current_.assign(config.window_len / 2 + 1, {});
  d.delayed_.assign(config.window_len / 2 + 1, {});
  return d;
}

Result<MethodEvidence> DrsKurtogram::analyze(std::span<const float> signal, std::size_t hop,
                                             const dsp::DefectFrequencies& frequencies) {
  const std::size_t n = config_.window_len;
  if (hop == 0 || signal.size() < 2 * n) {
    return fail(ErrorCode::invalid_argument,
                "discrete/random separation needs two windows ({} samples), the recording has {}", 2 * n,
                signal.size());
  }
  auto spectra = [&](std::size_t start) {
    const auto x = fft_->forward(signal.subspan(start, n));
    std::copy(x.begin(), x.end(), current_.begin());
    const auto y = fft_->forward(signal.subspan(start - n, n));
    std::copy(y.begin(), y.end(), delayed_.begin());
  };
  drs_->reset();
  for (std::size_t start = n; start + n <= signal.size(); start += hop) {
    spectra(start);
    drs_->accumulate(current_, delayed_);
  }
  drs_->estimate();

  MethodEvidence me;
  me.method = Demodulation::drs_kurtogram;
  me.bin_hz = envelope_->bin_hz();
  std::vector<double> sum(envelope_->envelope_bins(), 0.0);
  std::vector<dsp::FrequencyBand> bands;
  std::size_t windows = 0;
  for (std::size_t start = n; start + n <= signal.size(); start += hop) {
    spectra(start);
    drs_->random_part(current_, delayed_, current_);
    const dsp::KurtogramResult best = kurtogram_->best_band(current_);
    const dsp::EnvelopeSpectrum env = envelope_->analyze(current_, best.band);
    for (std::size_t k = 0; k < env.amplitude.size() && k < sum.size(); ++k) sum[k] += env.amplitude[k];
    bands.push_back(env.band);
    ++windows;
  }
  me.envelope.resize(sum.size());
  for (std::size_t k = 0; k < sum.size(); ++k) me.envelope[k] = static_cast<float>(sum[k] / double(windows));
  std::size_t best_count = 0;
  for (const auto& b : bands) {
    const auto count = static_cast<std::size_t>(std::count_if(bands.begin(), bands.end(), [&](const auto& o) {
      return o.low_hz == b.low_hz && o.high_hz == b.high_hz;
    }));
    if (count > best_count) {
      best_count = count;
      me.band = b;
    }
  }
  me.evidence = finder_->find({me.envelope, me.bin_hz, me.band}, frequencies);
  return me;
}

}  // namespace vigil::diag
