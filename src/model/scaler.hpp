// Per-asset standardisation of feature vectors: centre and scale learned from that asset's healthy
// windows, so that "normal" means "normal for this machine" (its gain, mounting, speed, resonances) and
// the models downstream see dimensionless deviations. Applied to every window before the anomaly
// detector and the classifiers.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/error.hpp"

namespace vigil::model {

enum class ScalerMethod {
  // centre = mean, scale = standard deviation (ddof = 1).
  standard,
  // centre = median, scale = 1.4826 MAD (median absolute deviation; the factor makes it the standard
  // deviation for Gaussian data: 1 / Phi^-1(3/4); Rousseeuw & Croux 1993, JASA 88(424)). A few
  // contaminated "healthy" windows (a knock, a transient) barely move it.
  robust,
};

std::string_view to_string(ScalerMethod method);  // "standard", "robust"

// z_j = (x_j - centre_j) / scale_j.
// A feature whose spread is zero in the healthy data (scale <= 1e-9 max(1, |centre|), e.g. an evidence
// line that could never be checked) gets scale 1: there is nothing to scale by, and a unit scale keeps
// any later deviation finite. The robust method falls back to the standard deviation when MAD is zero
// (a feature that is constant for more than half of the windows) before that rule applies.
class Scaler {
 public:
  // From n healthy feature vectors stored row-major in `rows` (n x dimension values). Needs n >= 2 and
  // finite values; errors name the offending row and feature.
  static Result<Scaler> fit(std::span<const float> rows, std::size_t dimension,
                            ScalerMethod method = ScalerMethod::standard);

  // Writes the standardised `x` to `out` (both dimension() values; may alias). Allocates nothing.
  Status transform(std::span<const float> x, std::span<float> out) const;

  std::size_t dimension() const { return centre_.size(); }
  ScalerMethod method() const { return method_; }
  std::span<const double> centre() const { return centre_; }
  std::span<const double> scale() const { return scale_; }

  // {"type": "scaler", "version": 1, "method": "robust", "centre": [...], "scale": [...]}
  nlohmann::json to_json() const;
  static Result<Scaler> from_json(const nlohmann::json& json);

 private:
  Scaler() = default;

  ScalerMethod method_ = ScalerMethod::standard;
  std::vector<double> centre_;
  std::vector<double> scale_;
};

}  // namespace vigil::model
