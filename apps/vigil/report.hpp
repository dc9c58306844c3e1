// Human and JSON renderings of a diagnosis, shared by `analyze` and `eval`.
#pragma once

#include <nlohmann/json.hpp>

#include "diag/diagnosis.hpp"
#include "recording_input.hpp"

namespace vigil::cli {

nlohmann::json diagnosis_json(const Signal& signal, const diag::Diagnosis& d);
void print_diagnosis(const Signal& signal, const diag::Diagnosis& d);

}  // namespace vigil::cli
