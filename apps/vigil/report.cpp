#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "diag/multi_method.hpp"

namespace vigil::cli {
namespace {

std::string_view method_name(diag::Demodulation m) { return diag::to_string(m); }

double finite_or_zero(double v) { return std::isfinite(v) ? v : 0.0; }

}  // namespace

namespace {

// One evidence array as JSON; `methods` names the method behind each entry (nullptr: one method for all).
nlohmann::json evidence_json(const std::array<dsp::DefectEvidence, dsp::k_defect_count>& evidence,
                             const std::array<diag::Demodulation, dsp::k_defect_count>* methods) {
  nlohmann::json defects = nlohmann::json::array();
  for (std::size_t i = 0; i < evidence.size(); ++i) {
    const auto& e = evidence[i];
    const auto& first = e.harmonics[0];
    nlohmann::json harmonics = nlohmann::json::array();
    for (int h = 0; h < e.harmonics_checked; ++h) {
      const auto& m = e.harmonics[static_cast<std::size_t>(h)];
      harmonics.push_back({{"harmonic", m.harmonic},
                           {"expected_hz", m.expected_hz},
                           {"found_hz", m.found_hz},
                           {"amplitude", m.amplitude},
                           {"snr_db", m.snr_db},
                           {"found", m.found}});
    }
    nlohmann::json j = {{"name", dsp::to_string(e.defect)},
                        {"frequency_hz", e.expected_hz},
                        {"found_hz", first.found_hz},
                        {"amplitude", first.amplitude},
                        {"snr_db", first.snr_db},
                        {"harmonics_found", e.harmonics_found},
                        {"sidebands_found", e.sidebands_found},
                        {"sideband_snr_db", e.sideband_snr_db},
                        {"score", e.score},
                        {"harmonics", harmonics}};
    if (methods != nullptr) j["method"] = method_name((*methods)[i]);
    defects.push_back(std::move(j));
  }
  return defects;
}

}  // namespace

nlohmann::json diagnosis_json(const Signal& s, const diag::Diagnosis& d) {
  const nlohmann::json defects = evidence_json(d.evidence, &d.evidence_method);
  nlohmann::json methods = nlohmann::json::array();
  for (const auto& m : d.methods) {
    methods.push_back({{"method", method_name(m.method)},
                       {"band_hz", {m.band.low_hz, m.band.high_hz}},
                       {"verdict", diag::to_string(m.verdict)},
                       {"defects", evidence_json(m.evidence, nullptr)}});
  }
  return {{"file", s.source},
          {"channel", s.channel},
          {"sample_rate_hz", s.sample_rate_hz},
          {"speed_rpm", s.speed_rpm},
          {"bearing", s.bearing.name},
          {"verdict", diag::to_string(d.verdict)},
          {"confidence", d.confidence},
          {"explanation", d.explanation},
          {"velocity_rms_mm_s", d.velocity_rms_mm_s},
          {"iso_zone", diag::to_string(d.iso_zone)},
          {"time",
           {{"rms", d.time.rms},
            {"peak", d.time.peak},
            {"crest_factor", d.time.crest_factor},
            {"kurtosis", d.time.kurtosis},
            {"skewness", d.time.skewness},
            {"shape_factor", d.time.shape_factor},
            {"impulse_factor", d.time.impulse_factor}}},
          {"band_kurtosis", finite_or_zero(d.band_kurtosis)},
          {"defect_frequencies_hz",
           {{"shaft", d.frequencies.shaft_hz},
            {"bpfo", d.frequencies.bpfo_hz},
            {"bpfi", d.frequencies.bpfi_hz},
            {"bsf", d.frequencies.bsf_hz},
            {"ftf", d.frequencies.ftf_hz}}},
          {"defects", defects},
          {"methods", methods},
          {"windows", d.windows},
          {"notes", s.notes}};
}

void print_diagnosis(const Signal& s, const diag::Diagnosis& d) {
  fmt::print("{}  channel {}  {:.0f} Hz  {:.0f} rpm  bearing {}  ({} windows)\n", s.source, s.channel,
             s.sample_rate_hz, s.speed_rpm, s.bearing.name, d.windows);
  for (const auto& note : s.notes) fmt::print("  note: {}\n", note);
  fmt::print("\n  verdict     {}  (confidence {:.0f} %)\n", diag::to_string(d.verdict), 100.0 * d.confidence);
  fmt::print("  why         {}\n", d.explanation);
  fmt::print("  severity    {:.2f} mm/s RMS (10-1000 Hz), ISO zone {}\n", d.velocity_rms_mm_s,
             diag::to_string(d.iso_zone));
  fmt::print("  time        rms {:.3f}  peak {:.3f}  crest {:.2f}  kurtosis {:.2f}  skewness {:.2f}\n",
             d.time.rms, d.time.peak, d.time.crest_factor, d.time.kurtosis, d.time.skewness);
  if (!d.methods.empty()) {
    const auto& k = d.methods.front();
    fmt::print("  band        {:.0f}-{:.0f} Hz (kurtogram, spectral kurtosis {:.1f})\n", k.band.low_hz,
               k.band.high_hz, finite_or_zero(d.band_kurtosis));
  }
  fmt::print("\n  {:<11} {:>9} {:>9} {:>8} {:>9} {:>9} {:>7}  {}\n", "defect", "expected", "found", "SNR dB",
             "harmonics", "sidebands", "score", "method");
  for (std::size_t i = 0; i < d.evidence.size(); ++i) {
    const auto& e = d.evidence[i];
    fmt::print("  {:<11} {:>6.1f} Hz {:>6.1f} Hz {:>8.1f} {:>5}/{:<3} {:>9} {:>7.1f}  {}\n",
               dsp::to_string(e.defect), e.expected_hz, e.harmonics[0].found_hz, e.harmonics[0].snr_db,
               e.harmonics_found, e.harmonics_checked, e.sidebands_found, e.score,
               method_name(d.evidence_method[i]));
  }
}

nlohmann::json assessment_json(const model::RecordingAssessment& a, const model::WindowSetup& setup,
                               const std::vector<std::string>& models) {
  nlohmann::json j = {{"models", models},
                      {"sample_rate_hz", setup.sample_rate_hz},
                      {"window_len", setup.window_len},
                      {"windows", a.windows},
                      {"verdict", a.verdict},
                      {"confidence", a.confidence}};
  if (a.has_anomaly) {
    j["anomaly"] = {{"alarms", a.alarms},
                    {"alarms_needed", a.alarms_needed},
                    {"abnormal", a.abnormal},
                    {"median_confidence", a.median_confidence},
                    {"threshold", a.alarm_threshold},
                    {"false_alarm_rate", a.false_alarm_rate}};
  }
  if (a.has_classifier) {
    nlohmann::json p = nlohmann::json::object();
    for (std::size_t c = 0; c < a.labels.size(); ++c) p[a.labels[c]] = a.mean_probabilities[c];
    j["classifier"] = {{"fault", a.fault},
                       {"probability", a.fault_probability},
                       {"probabilities", p},
                       {"windows", a.classified_windows}};
  }
  return j;
}

void print_assessment(const model::RecordingAssessment& a, const model::WindowSetup& setup,
                      const std::vector<std::string>& models) {
  fmt::print("\n  learned     {} ({} windows of {} samples at {} Hz)\n", fmt::join(models, ", "), a.windows,
             setup.window_len, setup.sample_rate_hz);
  if (a.has_anomaly) {
    fmt::print(
        "  anomaly     {} of {} windows above the healthy threshold ({} needed at a {:g} % false-alarm "
        "budget): {}\n",
        a.alarms, a.windows, a.alarms_needed, 100 * a.false_alarm_rate, a.abnormal ? "abnormal" : "normal");
  }
  if (a.has_classifier) {
    std::vector<std::size_t> order(a.labels.size());
    for (std::size_t c = 0; c < order.size(); ++c) order[c] = c;
    std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
      return a.mean_probabilities[x] > a.mean_probabilities[y];
    });
    std::string ranked;
    for (auto c : order) {
      ranked += fmt::format("{}{} {:.2f}", ranked.empty() ? "" : ", ", a.labels[c], a.mean_probabilities[c]);
    }
    fmt::print("  fault type  {} (mean over {} {}windows)\n", ranked, a.classified_windows,
               a.abnormal ? "alarming " : "");
  }
  fmt::print("  verdict     {}  (confidence {:.0f} %)\n", a.verdict, 100 * a.confidence);
}

}  // namespace vigil::cli
