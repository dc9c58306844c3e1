// Human and JSON renderings of a diagnosis, shared by `analyze` and `eval`.
#pragma once

#include <nlohmann/json.hpp>

#include "diag/diagnosis.hpp"
#include "model/assessment.hpp"
#include "recording_input.hpp"

namespace vigil::cli {

nlohmann::json diagnosis_json(const Signal& signal, const diag::Diagnosis& d);
void print_diagnosis(const Signal& signal, const diag::Diagnosis& d);

// The learned models' assessment of a recording (model::assess_recording); `models` names the bundles.
nlohmann::json assessment_json(const model::RecordingAssessment& a, const model::WindowSetup& setup,
                               const std::vector<std::string>& models);
void print_assessment(const model::RecordingAssessment& a, const model::WindowSetup& setup,
                      const std::vector<std::string>& models);

}  // namespace vigil::cli
