// Several demodulation methods, one verdict: the recording-level discrete/random separation + kurtogram
// method, the significance thresholds corrected for the number of methods tried, and the rule that
// combines the methods' evidence (docs/diagnosis.md, section 3). diagnosis.cpp runs the methods.
#pragma once

#include <array>
#include <complex>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "diag/diagnosis.hpp"
#include "diag/window_analyzer.hpp"
#include "dsp/discrete_random_separation.hpp"

namespace vigil::diag {

std::string_view to_string(Demodulation method);   // "kurtogram", "prewhitened", "full_band", "drs_kurtogram"
std::string_view short_name(Demodulation method);  // "SK", "CPW", "RAW", "DRS" (tables)

// Line thresholds of the verdict rule.
struct Significance {
  double line_snr_db = 6;          // a harmonic or sideband counts as found
  double strong_line_snr_db = 12;  // one line alone makes a pattern
};

// Thresholds that keep the chance of a false pattern unchanged when `factor` times as many independent
// tests are made (Bonferroni: each test's false-alarm probability divided by factor).
// Model: against its median background, the amplitude of one spectral bin of Gaussian noise is Rayleigh
// distributed, so P(SNR >= t dB) = 2^(-10^(t/10)) (at the median, t = 0 dB, P = 1/2). This is the heaviest
// tail an averaged envelope spectrum can have (averaging K windows only thins it), so the correction is
// conservative. Dividing P by factor gives 10^(t'/10) = 10^(t/10) + log2(factor): 6 dB -> 6.97 dB and
// 12 dB -> 12.27 dB for factor 2.
Significance corrected(const Significance& base, double factor);

// The pattern test of judge() with explicit thresholds, on harmonic and sideband SNRs (not the finder's
// `found` flags, which use the finder's own threshold): two or more harmonics >= line_snr_db, or the
// first >= strong_line_snr_db, or the first >= line_snr_db with a modulation sideband >= line_snr_db
// (cage: two harmonics required).
bool is_significant(const dsp::DefectEvidence& evidence, const Significance& significance);

// Evidence recounted at other thresholds: harmonics_found / found flags / sidebands are re-evaluated
// from the SNRs already measured (sidebands: the best sideband SNR stands for the count, >= 1 when it
// passes).
dsp::DefectEvidence recount(const dsp::DefectEvidence& evidence, const Significance& significance);

// What one method alone says: the strongest significant pattern (Verdict::normal when none), with the
// cage/ball rule of combine() applied.
struct MethodVerdict {
  Verdict verdict = Verdict::normal;
  double score = 0;
};
MethodVerdict method_verdict(const MethodEvidence& method, const Significance& significance);

// Combines the evidence of the methods tried into the strongest significant pattern per defect:
// per defect the method with the highest score, evidence recounted at `significance`; strongest first.
// A cage pattern (FTF series) comes with BSF harmonics when a rolling element is damaged (the faulty
// ball enters the load zone once per cage revolution, so its impacts are modulated at FTF: Randall &
// Antoni 2011, section 2.2): where the FTF series is significant and the same method shows a BSF
// harmonic >= line_snr_db, the pattern is reported as ball.
struct CombinedEvidence {
  std::array<dsp::DefectEvidence, dsp::k_defect_count> evidence{};  // strongest first
  std::array<Demodulation, dsp::k_defect_count> method{};
  bool cage_is_ball = false;  // the cage pattern was reassigned to the ball (see above)
};
CombinedEvidence combine(std::span<const MethodEvidence> methods, const Significance& significance);

// Which defect families a set of methods shows, each on lines of its own: one line has one cause.
// Within each method, families are taken strongest first (score, after recount at `significance`); a
// harmonic whose line lies within k_shared_line_bins of a line already explained by a stronger family
// found in that method does not count for this one (e.g. BPFO x 3 = 10.75 and BPFI x 2 = 10.83 shaft
// orders for a 6205 share one line at 1 Hz resolution), nor do its sidebands (they were looked for around
// the shared line too). A family still significant on its remaining
// lines is found, and from then on every multiple of its fundamental (the mean of found_hz / h over its
// found harmonics) up to twice the highest harmonic searched is explained: a defect makes a whole
// harmonic series, not only the harmonics searched (BPFO x 4 = 14.34 shaft orders lies in the window of
// BSF x 3 = 14.14), and so are its first k_explained_sidebands modulation sidebands on each side of
// every multiple (inner race: +-k x shaft, the load zone; ball: +-k x FTF, the cage), which a
// modulated series also makes (BPFI + 4 x shaft = 9.42 shaft orders is BSF x 2 = 9.43 for a 6205).
// Found families are the union over methods.
struct FamilyFinding {
  bool found = false;
  Demodulation method = Demodulation::kurtogram;  // the first method (in `methods` order) that found it
};
inline constexpr double k_shared_line_bins = 2.0;
inline constexpr int k_explained_sidebands = 4;
std::array<FamilyFinding, dsp::k_defect_count> find_families(std::span<const MethodEvidence> methods,
                                                             const dsp::DefectFrequencies& frequencies,
                                                             const Significance& significance);

// How a recording of known fault is identified, graded the way Smith & Randall (2015) grade theirs:
//  - clear: the verdict names the fault (their Y);
//  - partial: the fault's family is found on lines of its own (find_families) but another pattern is
//    stronger (their P1, "discrete components at the fault frequencies, not dominant"); for a ball, a
//    cage-rate (FTF) series also counts: a damaged ball enters the load zone once per cage revolution,
//    so its impacts are modulated at FTF (Randall & Antoni 2011, section 2.2), but a damaged cage gives
//    the same series, hence only partial;
//  - missed.
// A healthy recording is clear when the verdict is normal, missed otherwise.
enum class Identification { clear, partial, missed };
std::string_view to_string(Identification identification);  // "clear", "partial", "missed"
Identification identify(Verdict truth, Verdict verdict,
                        const std::array<FamilyFinding, dsp::k_defect_count>& found);

// Smith & Randall's method 3, recording-level: discrete/random separation of every window (filter
// estimated over the whole recording, delay = one window so that the pair never shares samples), the
// fast kurtogram's band of the random part and its squared-envelope spectrum, averaged over windows.
// Windows start every `hop` samples from `window_len` (the first whole window before them is the delay).
// Cost: four real FFTs of window_len per window plus the kurtogram and envelope (two passes).
class DrsKurtogram {
 public:
  static Result<DrsKurtogram> create(const WindowAnalyzerConfig& config);
  // Needs at least two windows' worth of samples (one delay plus one window).
  Result<MethodEvidence> analyze(std::span<const float> signal, std::size_t hop,
                                 const dsp::DefectFrequencies& frequencies);

 private:
  DrsKurtogram() = default;
  WindowAnalyzerConfig config_;
  std::optional<dsp::RealFft> fft_;
  std::optional<dsp::DiscreteRandomSeparation> drs_;
  std::optional<dsp::Kurtogram> kurtogram_;
  std::optional<dsp::EnvelopeAnalyzer> envelope_;
  std::optional<dsp::DefectEvidenceFinder> finder_;
  std::vector<std::complex<float>> current_, delayed_;
};

}  // namespace vigil::diag
