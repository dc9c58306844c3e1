// Fourier transforms for every spectral feature: FFTW single precision behind one small interface.
// Plans are made once (creation is serialised; FFTW's planner is not thread-safe) and executed many
// times on buffers the transform owns, so steady-state use allocates nothing.
#pragma once

#include <complex>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>

#include "core/error.hpp"

namespace vigil::dsp {

enum class PlanEffort {
  estimate,  // plan in microseconds from heuristics; for one-off transforms and tests
  measure,   // time candidate algorithms once (FFTW_MEASURE); for transforms run per window
};

// FFTW's wisdom (what PlanEffort::measure learned about this machine), kept in a file so a daemon measures
// each transform size once per machine rather than at every start. load_fft_wisdom on a missing file is
// not an error (nothing learned yet); a corrupt one is refused (parse) and nothing is imported. Both take
// the planner lock.
Status load_fft_wisdom(const std::filesystem::path& file);
Status save_fft_wisdom(const std::filesystem::path& file);

// Which transforms to plan. Planning with PlanEffort::measure times candidate algorithms, so a transform
// used in one direction only should not pay for the other. Calling an unplanned direction is a bug (assert).
enum class FftDirections { both, forward_only, inverse_only };

// Where a complex transform writes its result. Out of place (a separate output buffer) is faster in FFTW at
// the kurtogram's sizes (M = 1600..4096: 4.1 vs 6.0 us at 2560, 5.4 vs 8.2 us at 4096, FFTW_MEASURE, float;
// see docs/benchmarks.md), and it leaves the input intact.
enum class FftPlacement { in_place, out_of_place };

namespace detail {
struct FftwBufferDeleter {
  void operator()(void* p) const;
};
struct FftwPlanDeleter {
  void operator()(void* plan) const;
};
using PlanPtr = std::unique_ptr<void, FftwPlanDeleter>;
}  // namespace detail

// Real-input DFT of length n (any n >= 2; powers of two and products of small primes are fastest).
//   forward: X[k] = sum_t x[t] e^{-2 pi i k t / n}, k = 0..n/2   (unnormalised)
//   inverse: x[t] = sum_k X[k] e^{+2 pi i k t / n}               (unnormalised: result is n * x)
class RealFft {
 public:
  static Result<RealFft> create(std::size_t n, PlanEffort effort = PlanEffort::measure,
                                FftDirections directions = FftDirections::both);

  std::size_t size() const { return n_; }
  std::size_t bins() const { return n_ / 2 + 1; }

  // The transform's own buffers. forward() reads time() and writes spectrum(); inverse() reads
  // spectrum() (and overwrites it: FFTW's c2r destroys its input) and writes time().
  std::span<float> time() { return {time_.get(), n_}; }
  std::span<std::complex<float>> spectrum() { return {spectrum_.get(), bins()}; }

  void forward();
  void inverse();
  // Copies `x` (size() samples) into time() and runs forward(); returns spectrum().
  std::span<const std::complex<float>> forward(std::span<const float> x);

 private:
  RealFft() = default;
  std::size_t n_ = 0;
  std::unique_ptr<float[], detail::FftwBufferDeleter> time_;
  std::unique_ptr<std::complex<float>[], detail::FftwBufferDeleter> spectrum_;
  detail::PlanPtr forward_plan_;
  detail::PlanPtr inverse_plan_;
};

// Complex DFT of length n on the transform's own buffers; same sign and scaling conventions as RealFft.
// In place, forward() / inverse() read data() and overwrite it with the result; out of place, they read
// data() (left unchanged) and write output(). output() is data() in place.
class ComplexFft {
 public:
  static Result<ComplexFft> create(std::size_t n, PlanEffort effort = PlanEffort::measure,
                                   FftDirections directions = FftDirections::both,
                                   FftPlacement placement = FftPlacement::in_place);

  std::size_t size() const { return n_; }
  std::span<std::complex<float>> data() { return {data_.get(), n_}; }
  std::span<std::complex<float>> output() { return {out_ ? out_.get() : data_.get(), n_}; }

  void forward();
  void inverse();

 private:
  ComplexFft() = default;
  std::size_t n_ = 0;
  std::unique_ptr<std::complex<float>[], detail::FftwBufferDeleter> data_;
  std::unique_ptr<std::complex<float>[], detail::FftwBufferDeleter> out_;  // out of place only
  detail::PlanPtr forward_plan_;
  detail::PlanPtr inverse_plan_;
};

}  // namespace vigil::dsp
