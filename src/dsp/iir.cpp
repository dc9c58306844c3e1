#include "dsp/iir.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace vigil::dsp {
namespace {

using Complex = std::complex<double>;
using Roots = std::vector<Complex>;

constexpr int k_max_order = 24;

struct Zpk {
  Roots zeros;
  Roots poles;
  double gain = 1.0;
};

bool is_real(Complex c) { return c.imag() == 0.0; }

// scipy.signal.buttap: unit-cutoff analog Butterworth, poles on the left half of the unit circle.
Zpk butterworth_prototype(int order) {
  Zpk zpk;
  for (int m = -order + 1; m < order; m += 2) {
    zpk.poles.push_back(-std::exp(Complex(0.0, std::numbers::pi * double(m) / (2.0 * double(order)))));
  }
  return zpk;
}

Complex product(const Roots& roots, Complex offset, double sign) {
  Complex p = 1.0;
  for (Complex r : roots) p *= offset + sign * r;
  return p;
}

// scipy.signal.bilinear_zpk with the sampling rate normalised to fs = 2 (as scipy's iirfilter does),
// so fs2 = 2 fs = 4.
Zpk bilinear(const Zpk& analog) {
  constexpr double fs2 = 4.0;
  Zpk digital;
  for (Complex z : analog.zeros) digital.zeros.push_back((fs2 + z) / (fs2 - z));
  for (Complex p : analog.poles) digital.poles.push_back((fs2 + p) / (fs2 - p));
  for (std::size_t i = analog.zeros.size(); i < analog.poles.size(); ++i) digital.zeros.push_back(-1.0);
  digital.gain = analog.gain * (product(analog.zeros, fs2, -1.0) / product(analog.poles, fs2, -1.0)).real();
  return digital;
}

// scipy.signal._filter_design._cplxreal: real roots (imag set to exactly 0) after one
// representative (positive imaginary part) of each conjugate pair; sorted by real part then |imag|.
Roots complex_then_real(Roots roots) {
  std::stable_sort(roots.begin(), roots.end(), [](Complex a, Complex b) {
    if (a.real() != b.real()) return a.real() < b.real();
    return std::abs(a.imag()) < std::abs(b.imag());
  });
  constexpr double tol = 100.0 * std::numeric_limits<double>::epsilon();
  Roots reals, positive, negative;
  for (Complex r : roots) {
    if (std::abs(r.imag()) <= tol * std::abs(r)) {
      reals.emplace_back(r.real(), 0.0);
    } else if (r.imag() > 0) {
      positive.push_back(r);
    } else {
      negative.push_back(r);
    }
  }
  Roots out;
  for (std::size_t i = 0; i < positive.size(); ++i) {
    const bool paired =
        i < negative.size() && std::abs(positive[i] - std::conj(negative[i])) <= tol * std::abs(negative[i]);
    out.push_back(paired ? (positive[i] + std::conj(negative[i])) / 2.0 : positive[i]);
  }
  out.insert(out.end(), reals.begin(), reals.end());
  return out;
}

// Digital "worst" root: the one closest to the unit circle (first on ties, as numpy.argmin).
std::size_t index_worst(const Roots& roots) {
  std::size_t best = 0;
  for (std::size_t i = 1; i < roots.size(); ++i) {
    if (std::abs(1.0 - std::abs(roots[i])) < std::abs(1.0 - std::abs(roots[best]))) best = i;
  }
  return best;
}

enum class Which { real, complex, any };

// scipy's _nearest_real_complex_idx: index of the root of `from` nearest `to` of the given kind.
std::size_t index_nearest(const Roots& from, Complex to, Which which) {
  std::size_t best = from.size();
  for (std::size_t i = 0; i < from.size(); ++i) {
    if (which == Which::real && !is_real(from[i])) continue;
    if (which == Which::complex && is_real(from[i])) continue;
    if (best == from.size() || std::abs(from[i] - to) < std::abs(from[best] - to)) best = i;
  }
  return best;
}

Complex take(Roots& roots, std::size_t index) {
  const Complex r = roots[index];
  roots.erase(roots.begin() + static_cast<std::ptrdiff_t>(index));
  return r;
}

// scipy's _single_zpksos: polynomial coefficients right-aligned in the three slots.
Biquad single_section(const Roots& zeros, const Roots& poles) {
  auto poly = [](const Roots& roots, double out[3]) {
    Complex c[3] = {1.0, 0.0, 0.0};
    for (std::size_t i = 0; i < roots.size(); ++i) {
      for (std::size_t j = i + 1; j > 0; --j) c[j] -= roots[i] * c[j - 1];
    }
    const std::size_t len = roots.size() + 1;
    for (std::size_t j = 0; j < 3; ++j) out[j] = 0.0;
    for (std::size_t j = 0; j < len; ++j) out[3 - len + j] = c[j].real();
  };
  double b[3], a[3];
  poly(zeros, b);
  poly(poles, a);
  // a[0] is 1 whenever the section has two poles, which 'nearest' pairing guarantees.
  return Biquad{b[0] / a[0], b[1] / a[0], b[2] / a[0], a[1] / a[0], a[2] / a[0]};
}

// scipy.signal.zpk2sos(z, p, k, pairing='nearest') for a digital filter.
std::vector<Biquad> to_sections(Zpk zpk) {
  Roots& z = zpk.zeros;
  Roots& p = zpk.poles;
  while (p.size() < z.size()) p.push_back(0.0);
  while (z.size() < p.size()) z.push_back(0.0);
  const std::size_t n_sections = (p.size() + 1) / 2;
  if (p.size() % 2 == 1) {
    p.push_back(0.0);
    z.push_back(0.0);
  }
  z = complex_then_real(std::move(z));
  p = complex_then_real(std::move(p));
  auto count_real = [](const Roots& r) { return std::count_if(r.begin(), r.end(), is_real); };

  std::vector<Biquad> sos(n_sections);
  for (std::size_t si = n_sections; si-- > 0;) {
    const Complex p1 = take(p, index_worst(p));
    if (is_real(p1) && count_real(p) == 0) {
      // Last remaining real pole: a first-order section padded with a pole and zero at the origin.
      const Complex z1 = take(z, index_nearest(z, p1, Which::real));
      sos[si] = single_section({z1, 0.0}, {p1, 0.0});
    } else if (p.size() + 1 == z.size() && !is_real(p1) && count_real(p) == 1 && count_real(z) == 1) {
      // One real pole and one real zero left: this complex pole must take a complex zero pair.
      const Complex z1 = take(z, index_nearest(z, p1, Which::complex));
      sos[si] = single_section({z1, std::conj(z1)}, {p1, std::conj(p1)});
    } else {
      Complex p2;
      if (is_real(p1)) {
        std::size_t worst_real = p.size();
        for (std::size_t i = 0; i < p.size(); ++i) {
          if (!is_real(p[i])) continue;
          if (worst_real == p.size() ||
              std::abs(1.0 - std::abs(p[i])) < std::abs(1.0 - std::abs(p[worst_real]))) {
            worst_real = i;
          }
        }
        p2 = take(p, worst_real);
      } else {
        p2 = std::conj(p1);
      }
      if (z.empty()) {
        sos[si] = single_section({}, {p1, p2});
      } else {
        const Complex z1 = take(z, index_nearest(z, p1, Which::any));
        if (!is_real(z1)) {
          sos[si] = single_section({z1, std::conj(z1)}, {p1, p2});
        } else if (!z.empty()) {
          const Complex z2 = take(z, index_nearest(z, p1, Which::real));
          sos[si] = single_section({z1, z2}, {p1, p2});
        } else {
          sos[si] = single_section({z1}, {p1, p2});
        }
      }
    }
  }
  sos[0].b0 *= zpk.gain;
  sos[0].b1 *= zpk.gain;
  sos[0].b2 *= zpk.gain;
  return sos;
}

Status check_order(int order) {
  if (order < 1 || order > k_max_order) {
    return fail(ErrorCode::invalid_argument, "butterworth: order {} outside [1, {}]", order, k_max_order);
  }
  return {};
}

Status check_edge(double frequency_hz, double sample_rate_hz, const char* what) {
  if (!(sample_rate_hz > 0.0) || !std::isfinite(sample_rate_hz)) {
    return fail(ErrorCode::invalid_argument, "butterworth: sample rate {} Hz must be positive and finite",
                sample_rate_hz);
  }
  if (!(frequency_hz > 0.0) || !(frequency_hz < sample_rate_hz / 2.0)) {
    return fail(ErrorCode::invalid_argument,
                "butterworth: {} {} Hz must lie strictly between 0 and Nyquist {} Hz", what, frequency_hz,
                sample_rate_hz / 2.0);
  }
  return {};
}

// Pre-warped analog edge for the normalised rate fs = 2 (scipy: warped = 2 fs tan(pi Wn / fs),
// Wn = 2 f / fs_hz): the bilinear transform maps it back exactly onto f.
double prewarp(double frequency_hz, double sample_rate_hz) {
  const double wn = 2.0 * frequency_hz / sample_rate_hz;
  return 4.0 * std::tan(std::numbers::pi * wn / 2.0);
}

}  // namespace

Result<std::vector<Biquad>> butterworth_low_pass(int order, double cutoff_hz, double sample_rate_hz) {
  if (auto s = check_order(order); !s) return std::unexpected(s.error());
  if (auto s = check_edge(cutoff_hz, sample_rate_hz, "cutoff"); !s) return std::unexpected(s.error());
  const double w = prewarp(cutoff_hz, sample_rate_hz);
  Zpk analog = butterworth_prototype(order);
  for (Complex& p : analog.poles) p *= w;  // lp2lp_zpk
  analog.gain = std::pow(w, order);
  return to_sections(bilinear(analog));
}

Result<std::vector<Biquad>> butterworth_high_pass(int order, double cutoff_hz, double sample_rate_hz) {
  if (auto s = check_order(order); !s) return std::unexpected(s.error());
  if (auto s = check_edge(cutoff_hz, sample_rate_hz, "cutoff"); !s) return std::unexpected(s.error());
  const double w = prewarp(cutoff_hz, sample_rate_hz);
  Zpk analog = butterworth_prototype(order);
  // lp2hp_zpk: p -> w / p, the N zeros at infinity move to s = 0, k -> k / prod(-p).
  const Complex prod_neg_p = product(analog.poles, 0.0, -1.0);
  for (Complex& p : analog.poles) p = w / p;
  analog.zeros.assign(analog.poles.size(), 0.0);
  analog.gain = (1.0 / prod_neg_p).real();
  return to_sections(bilinear(analog));
}

Result<std::vector<Biquad>> butterworth_band_pass(int order, double low_hz, double high_hz,
                                                  double sample_rate_hz) {
  if (auto s = check_order(order); !s) return std::unexpected(s.error());
  if (auto s = check_edge(low_hz, sample_rate_hz, "low edge"); !s) return std::unexpected(s.error());
  if (auto s = check_edge(high_hz, sample_rate_hz, "high edge"); !s) return std::unexpected(s.error());
  if (!(low_hz < high_hz)) {
    return fail(ErrorCode::invalid_argument,
                "butterworth: band-pass low edge {} Hz must be below high edge {} Hz", low_hz, high_hz);
  }
  const double w1 = prewarp(low_hz, sample_rate_hz);
  const double w2 = prewarp(high_hz, sample_rate_hz);
  const double w0 = std::sqrt(w1 * w2);
  const double bw = w2 - w1;
  const Zpk prototype = butterworth_prototype(order);
  // lp2bp_zpk: each prototype pole splits into two, N zeros at s = 0, gain bw^N.
  Zpk analog;
  Roots plus, minus;
  for (Complex p : prototype.poles) {
    const Complex p_lp = p * bw / 2.0;
    const Complex root = std::sqrt(p_lp * p_lp - w0 * w0);
    plus.push_back(p_lp + root);
    minus.push_back(p_lp - root);
  }
  analog.poles = plus;
  analog.poles.insert(analog.poles.end(), minus.begin(), minus.end());
  analog.zeros.assign(prototype.poles.size(), 0.0);
  analog.gain = std::pow(bw, order);
  return to_sections(bilinear(analog));
}

std::complex<double> frequency_response(std::span<const Biquad> sections, double frequency_hz,
                                        double sample_rate_hz) {
  const Complex z1 = std::exp(Complex(0.0, -2.0 * std::numbers::pi * frequency_hz / sample_rate_hz));
  const Complex z2 = z1 * z1;
  Complex h = 1.0;
  for (const Biquad& s : sections) h *= (s.b0 + s.b1 * z1 + s.b2 * z2) / (1.0 + s.a1 * z1 + s.a2 * z2);
  return h;
}

Result<SosFilter> SosFilter::create(std::span<const Biquad> sections) {
  if (sections.empty()) return fail(ErrorCode::invalid_argument, "sos filter: no sections");
  for (std::size_t i = 0; i < sections.size(); ++i) {
    const Biquad& s = sections[i];
    for (double c : {s.b0, s.b1, s.b2, s.a1, s.a2}) {
      if (!std::isfinite(c))
        return fail(ErrorCode::invalid_argument, "sos filter: section {} has a non-finite coefficient", i);
    }
    if (!(std::abs(s.a2) < 1.0) || !(std::abs(s.a1) < 1.0 + s.a2)) {
      return fail(ErrorCode::invalid_argument,
                  "sos filter: section {} is unstable (a1 = {}, a2 = {}; need |a2| < 1 and |a1| < 1 + a2)", i,
                  s.a1, s.a2);
    }
  }
  SosFilter f;
  const std::size_t n = sections.size();
  f.section_count_ = n;
  f.sections_ = std::make_unique<Biquad[]>(n);
  std::copy(sections.begin(), sections.end(), f.sections_.get());
  f.state_ = std::make_unique<State[]>(n);
  f.work_ = std::make_unique<State[]>(n);
  f.zi_ = std::make_unique<State[]>(n);

  // scipy.signal.sosfilt_zi: section i's state in the steady state of a unit step, i.e. lfilter_zi
  // solving (I - A^T) zi = b[1:] - a[1:] b0 for the 2x2 companion A, scaled by the DC gain of the
  // sections before it:  zi1 = (B1 + B2) / (1 + a1 + a2),  zi2 = B2 - a2 zi1.
  double scale = 1.0;
  for (std::size_t i = 0; i < n; ++i) {
    const Biquad& s = sections[i];
    const double B1 = s.b1 - s.a1 * s.b0;
    const double B2 = s.b2 - s.a2 * s.b0;
    const double zi1 = (B1 + B2) / (1.0 + s.a1 + s.a2);
    f.zi_[i] = State{scale * zi1, scale * (B2 - s.a2 * zi1)};
    scale *= (s.b0 + s.b1 + s.b2) / (1.0 + s.a1 + s.a2);
  }
  // scipy.signal.sosfiltfilt's default pad length.
  const auto zero_b2 =
      std::count_if(sections.begin(), sections.end(), [](const Biquad& s) { return s.b2 == 0.0; });
  const auto zero_a2 =
      std::count_if(sections.begin(), sections.end(), [](const Biquad& s) { return s.a2 == 0.0; });
  f.padlen_ = 3 * (2 * n + 1 - static_cast<std::size_t>(std::min(zero_b2, zero_a2)));
  f.pad_out_ = std::make_unique<double[]>(f.padlen_);
  return f;
}

void SosFilter::process(std::span<float> x) {
  for (float& v : x) v = static_cast<float>(step(state_.get(), v));
}

void SosFilter::reset() { std::fill_n(state_.get(), section_count_, State{}); }

Status SosFilter::filter_zero_phase(std::span<float> x) {
  const std::size_t n = x.size();
  const std::size_t edge = padlen_;
  if (n <= edge) {
    return fail(ErrorCode::invalid_argument,
                "zero-phase filter: signal of {} samples must be longer than the pad length {}", n, edge);
  }
  State* work = work_.get();
  auto start_from = [&](double level) {
    for (std::size_t i = 0; i < section_count_; ++i) work[i] = State{zi_[i].s1 * level, zi_[i].s2 * level};
  };
  // Odd extension (scipy.signal._arraytools.odd_ext): left[i] = 2 x[0] - x[edge - i],
  // right[j] = 2 x[n-1] - x[n-2-j]. The right one is saved before x is overwritten.
  const double first = x[0];
  const double last = x[n - 1];
  for (std::size_t j = 0; j < edge; ++j) pad_out_[j] = 2.0 * last - double(x[n - 2 - j]);

  // Forward pass over left extension, signal, right extension.
  start_from(2.0 * first - double(x[edge]));
  for (std::size_t i = 0; i < edge; ++i) step(work, 2.0 * first - double(x[edge - i]));
  for (std::size_t t = 0; t < n; ++t) x[t] = static_cast<float>(step(work, x[t]));
  for (std::size_t j = 0; j < edge; ++j) pad_out_[j] = step(work, pad_out_[j]);

  // Backward pass from the end of the extended output; the reversed left extension would come last
  // and is discarded, so it is not run.
  start_from(edge > 0 ? pad_out_[edge - 1] : double(x[n - 1]));
  for (std::size_t j = edge; j-- > 0;) step(work, pad_out_[j]);
  for (std::size_t t = n; t-- > 0;) x[t] = static_cast<float>(step(work, x[t]));
  return {};
}

Result<Decimator> Decimator::create(std::size_t factor, double input_rate_hz) {
  if (factor < 2 || factor > 1000) {
    return fail(ErrorCode::invalid_argument, "decimator: factor {} outside [2, 1000]", factor);
  }
  if (!(input_rate_hz > 0.0) || !std::isfinite(input_rate_hz)) {
    return fail(ErrorCode::invalid_argument, "decimator: input rate {} Hz must be positive and finite",
                input_rate_hz);
  }
  // Anti-alias corner 0.8 x the new Nyquist frequency fs / (2M).
  auto sections = butterworth_low_pass(8, 0.8 * input_rate_hz / (2.0 * double(factor)), input_rate_hz);
  if (!sections) return std::unexpected(sections.error().with_context("decimator"));
  auto filter = SosFilter::create(*sections);
  if (!filter) return std::unexpected(filter.error().with_context("decimator"));
  return Decimator(std::move(*filter), factor, input_rate_hz);
}

Result<std::size_t> Decimator::process(std::span<const float> in, std::span<float> out) {
  const std::size_t needed = output_len(in.size());
  if (out.size() < needed) {
    return fail(ErrorCode::invalid_argument,
                "decimator: output holds {} samples, {} input samples produce {}", out.size(), in.size(),
                needed);
  }
  std::size_t written = 0;
  for (float v : in) {
    const double y = filter_.step(v);
    if (skip_ == 0) {
      out[written++] = static_cast<float>(y);
      skip_ = factor_ - 1;
    } else {
      --skip_;
    }
  }
  return written;
}

void Decimator::reset() {
  filter_.reset();
  skip_ = 0;
}

Result<std::vector<float>> decimate(std::span<const float> x, std::size_t factor, double input_rate_hz) {
  auto decimator = Decimator::create(factor, input_rate_hz);
  if (!decimator) return std::unexpected(decimator.error());
  std::vector<float> out(decimator->output_len(x.size()));
  auto written = decimator->process(x, out);
  if (!written) return std::unexpected(written.error());
  out.resize(*written);
  return out;
}

}  // namespace vigil::dsp
