#include "model/train/training_config.hpp"

#include <cmath>

namespace vigil::model::train {

Status check_optimizer(const OptimizerConfig& c) {
  if (c.max_epochs == 0) return fail(ErrorCode::invalid_argument, "max_epochs must be at least 1");
  if (c.batch_size == 0) return fail(ErrorCode::invalid_argument, "batch_size must be at least 1");
  if (!(c.learning_rate > 0) || !std::isfinite(c.learning_rate)) {
    return fail(ErrorCode::invalid_argument, "learning_rate must be finite and > 0, got {}", c.learning_rate);
  }
  if (!(c.weight_decay >= 0) || !std::isfinite(c.weight_decay)) {
    return fail(ErrorCode::invalid_argument, "weight_decay must be finite and >= 0, got {}", c.weight_decay);
  }
  if (c.patience_epochs == 0) return fail(ErrorCode::invalid_argument, "patience_epochs must be at least 1");
  if (!(c.min_improvement >= 0) || !std::isfinite(c.min_improvement)) {
    return fail(ErrorCode::invalid_argument, "min_improvement must be finite and >= 0, got {}",
                c.min_improvement);
  }
  if (!(c.dropout >= 0 && c.dropout <= 0.9)) {
    return fail(ErrorCode::invalid_argument, "dropout must be in [0, 0.9], got {}", c.dropout);
  }
  if (!(c.input_noise_sd >= 0) || !std::isfinite(c.input_noise_sd)) {
    return fail(ErrorCode::invalid_argument, "input_noise_sd must be finite and >= 0, got {}",
                c.input_noise_sd);
  }
  if (c.threads < 1)
    return fail(ErrorCode::invalid_argument, "threads must be at least 1, got {}", c.threads);
  return {};
}

}  // namespace vigil::model::train
