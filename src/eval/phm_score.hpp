// The IEEE PHM 2012 Prognostic Challenge score of remaining-useful-life estimates: how FEMTO/PRONOSTIA
// RUL results are compared with the literature. Late estimates are punished four times harder than early.
#pragma once

#include <span>

#include "core/error.hpp"

namespace vigil::eval {

// Challenge PDF, section 5.1, eq. (1)-(3) (see ../shared/data/femto/README.md):
//     Er = 100 (ActRUL - RUL) / ActRUL                    percent error; < 0 is an over-estimate (late)
//     A  = exp(-ln(0.5) Er / 5)    if Er <= 0             halves for every 5 % of over-estimation
//          exp(+ln(0.5) Er / 20)   if Er >  0             halves for every 20 % of under-estimation
//     score = mean of A over the bearings
// Check values (figure 7 of the PDF): A(-10) = 0.25, A(+20) = 0.5, A(0) = 1.

// Er in percent. invalid_argument unless actual_rul_s > 0 and both values are finite.
Result<double> phm_percent_error(double actual_rul_s, double estimated_rul_s);

// A for a percent error (finite). Always in (0, 1].
double phm_accuracy(double percent_error);

// Mean A over pairs (actual[i], estimated[i]). invalid_argument for different lengths, no pairs, or a
// pair phm_percent_error rejects (the message names its index).
Result<double> phm_score(std::span<const double> actual_rul_s, std::span<const double> estimated_rul_s);

}  // namespace vigil::eval
