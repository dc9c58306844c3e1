#include "eval/phm_score.hpp"

#include <cmath>

namespace vigil::eval {

Result<double> phm_percent_error(double actual_rul_s, double estimated_rul_s) {
  if (!(std::isfinite(actual_rul_s) && actual_rul_s > 0)) {
    return fail(ErrorCode::invalid_argument, "actual RUL {} s: expected a finite value > 0", actual_rul_s);
  }
  if (!std::isfinite(estimated_rul_s)) {
    return fail(ErrorCode::invalid_argument, "estimated RUL {} s is not finite", estimated_rul_s);
  }
  return 100.0 * (actual_rul_s - estimated_rul_s) / actual_rul_s;
}

double phm_accuracy(double percent_error) {
  const double ln_half = std::log(0.5);
  return percent_error <= 0 ? std::exp(-ln_half * percent_error / 5.0)
                            : std::exp(ln_half * percent_error / 20.0);
}

Result<double> phm_score(std::span<const double> actual_rul_s, std::span<const double> estimated_rul_s) {
  if (actual_rul_s.size() != estimated_rul_s.size()) {
    return fail(ErrorCode::invalid_argument, "{} actual RULs for {} estimates", actual_rul_s.size(),
                estimated_rul_s.size());
  }
  if (actual_rul_s.empty()) return fail(ErrorCode::invalid_argument, "no RUL estimates to score");
  double sum = 0;
  for (std::size_t i = 0; i < actual_rul_s.size(); ++i) {
    auto er = phm_percent_error(actual_rul_s[i], estimated_rul_s[i]);
    if (!er) return std::unexpected(er.error().with_context(fmt::format("estimate {}", i)));
    sum += phm_accuracy(*er);
  }
  return sum / static_cast<double>(actual_rul_s.size());
}

}  // namespace vigil::eval
