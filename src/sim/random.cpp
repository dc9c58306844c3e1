#include "sim/random.hpp"

namespace vigil::sim {
namespace {

// Ziggurat constants for 256 layers (Marsaglia & Tsang 2000, sec. 3): r is the base layer's edge and v
// each layer's area, v = r f(r) + integral_r^inf f(x) dx.
constexpr double k_zig_r = 3.6541528853610088;
constexpr double k_zig_v = 4.92867323399e-3;

double gauss(double x) { return std::exp(-0.5 * x * x); }

// Layer edges from the equal-area recursion x[i] = f^{-1}(v / x[i-1] + f(x[i-1])) (the rectangle of
// layer i-1 has width x[i-1] and height f(x[i]) - f(x[i-1]) = v / x[i-1]). Built once; the simulator's
// hot path then only reads them.
const NormalSource::Tables& ziggurat_tables() {
  static const NormalSource::Tables tables = [] {
    NormalSource::Tables t{};
    t.x[0] = k_zig_v / gauss(k_zig_r);
    t.x[1] = k_zig_r;
    for (int i = 2; i < 256; ++i)
      t.x[i] = std::sqrt(-2.0 * std::log(k_zig_v / t.x[i - 1] + gauss(t.x[i - 1])));
    t.x[256] = 0.0;
    for (int i = 0; i <= 256; ++i) t.f[i] = gauss(t.x[i]);
    return t;
  }();
  return tables;
}

}  // namespace

NormalSource::NormalSource(std::uint64_t seed) : rng_(seed), tables_(&ziggurat_tables()) {}

double NormalSource::slow_path(std::size_t layer, double x) {
  for (;;) {
    if (layer == 0) {
      // Tail |x| > r (Marsaglia 1964): with e1, e2 ~ Exp(1), accept r + e1 / r when 2 e2 > (e1 / r)^2.
      double a = 0, b = 0;
      do {
        a = -std::log(1.0 - rng_.uniform()) / k_zig_r;
        b = -std::log(1.0 - rng_.uniform());
      } while (2.0 * b <= a * a);
      return x > 0 ? k_zig_r + a : -(k_zig_r + a);
    }
    // Wedge between the layer's inner rectangle and the curve: accept under f(x).
    const double y = tables_->f[layer] + (tables_->f[layer + 1] - tables_->f[layer]) * rng_.uniform();
    if (y < gauss(x)) return x;

    const std::uint64_t bits = rng_.next();
    layer = bits & 0xff;
    const double u = static_cast<double>(2 * (bits >> 12) + 1) * 0x1.0p-52 - 1.0;
    x = u * tables_->x[layer];
    if (std::abs(x) < tables_->x[layer + 1]) return x;
  }
}

}  // namespace vigil::sim
