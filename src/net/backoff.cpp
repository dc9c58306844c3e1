#include "net/backoff.hpp"

#include <algorithm>

namespace vigil::net {

Result<Backoff> Backoff::create(const Config& config, std::uint64_t seed) {
  if (config.initial.count() <= 0) {
    return fail(ErrorCode::invalid_argument, "backoff: initial delay {} ms must be > 0",
                config.initial.count());
  }
  if (config.max < config.initial || config.max > std::chrono::hours(1)) {
    return fail(ErrorCode::invalid_argument, "backoff: maximum delay {} ms outside [{} ms, 1 h]",
                config.max.count(), config.initial.count());
  }
  return Backoff(config, seed);
}

std::chrono::milliseconds Backoff::ceiling() const {
  // initial * 2^attempt without overflow: stop doubling once the bound is reached.
  std::int64_t c = config_.initial.count();
  for (unsigned i = 0; i < attempt_ && c < config_.max.count(); ++i) c *= 2;
  return std::chrono::milliseconds(std::min(c, config_.max.count()));
}

std::chrono::milliseconds Backoff::next() {
  const std::int64_t c = ceiling().count();
  if (c < config_.max.count()) ++attempt_;
  // Uniform on [c/2, c] from the top 53 bits.
  const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
  const double half = 0.5 * static_cast<double>(c);
  return std::chrono::milliseconds(static_cast<std::int64_t>(half + u * half + 0.5));
}

}  // namespace vigil::net
