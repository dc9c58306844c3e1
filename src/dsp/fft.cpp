#include "dsp/fft.hpp"

#include <algorithm>
#include <cassert>
#include <mutex>

#include <fftw3.h>

namespace vigil::dsp {
namespace {

// FFTW's planner keeps global state: every plan creation and destruction goes through this lock.
// Execution of an existing plan on its own buffers is thread-safe and takes no lock.
std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}

unsigned flags_for(PlanEffort effort) { return effort == PlanEffort::measure ? FFTW_MEASURE : FFTW_ESTIMATE; }

fftwf_complex* as_fftw(std::complex<float>* p) { return reinterpret_cast<fftwf_complex*>(p); }

template <typename T>
T* alloc_buffer(std::size_t count) {
  return static_cast<T*>(fftwf_malloc(sizeof(T) * count));
}

constexpr std::size_t k_max_fft_size = std::size_t{1} << 28;

}  // namespace

Status load_fft_wisdom(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return {};
  std::lock_guard lock(planner_mutex());
  if (fftwf_import_wisdom_from_filename(file.c_str()) == 0) {
    return fail(ErrorCode::parse, "{}: not FFTW wisdom (delete it: it is made again)", file.string());
  }
  return {};
}

Status save_fft_wisdom(const std::filesystem::path& file) {
  const std::filesystem::path tmp = file.string() + ".tmp";
  std::lock_guard lock(planner_mutex());
  if (fftwf_export_wisdom_to_filename(tmp.c_str()) == 0) {
    return fail(ErrorCode::io, "{}: cannot write FFTW wisdom", tmp.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) return fail(ErrorCode::io, "{}: {}", file.string(), ec.message());
  return {};
}

namespace detail {
void FftwBufferDeleter::operator()(void* p) const { fftwf_free(p); }
void FftwPlanDeleter::operator()(void* plan) const {
  std::lock_guard lock(planner_mutex());
  fftwf_destroy_plan(static_cast<fftwf_plan>(plan));
}
}  // namespace detail

Result<RealFft> RealFft::create(std::size_t n, PlanEffort effort, FftDirections directions) {
  if (n < 2 || n > k_max_fft_size) {
    return fail(ErrorCode::invalid_argument, "FFT length {} outside [2, {}]", n, k_max_fft_size);
  }
  RealFft fft;
  fft.n_ = n;
  fft.time_.reset(alloc_buffer<float>(n));
  fft.spectrum_.reset(alloc_buffer<std::complex<float>>(n / 2 + 1));
  if (!fft.time_ || !fft.spectrum_)
    return fail(ErrorCode::internal, "cannot allocate FFT buffers of length {}", n);
  const int len = static_cast<int>(n);
  {
    std::lock_guard lock(planner_mutex());
    // MEASURE overwrites the buffers while planning, so plan before any data is written.
    if (directions != FftDirections::inverse_only) {
      fft.forward_plan_.reset(
          fftwf_plan_dft_r2c_1d(len, fft.time_.get(), as_fftw(fft.spectrum_.get()), flags_for(effort)));
    }
    if (directions != FftDirections::forward_only) {
      fft.inverse_plan_.reset(
          fftwf_plan_dft_c2r_1d(len, as_fftw(fft.spectrum_.get()), fft.time_.get(), flags_for(effort)));
    }
  }
  if ((directions != FftDirections::inverse_only && !fft.forward_plan_) ||
      (directions != FftDirections::forward_only && !fft.inverse_plan_)) {
    return fail(ErrorCode::internal, "FFTW could not plan a real FFT of length {}", n);
  }
  std::fill_n(fft.time_.get(), n, 0.0f);
  std::fill_n(fft.spectrum_.get(), n / 2 + 1, std::complex<float>{});
  return fft;
}

void RealFft::forward() {
  assert(forward_plan_ && "forward transform not planned");
  fftwf_execute(static_cast<fftwf_plan>(forward_plan_.get()));
}
void RealFft::inverse() {
  assert(inverse_plan_ && "inverse transform not planned");
  fftwf_execute(static_cast<fftwf_plan>(inverse_plan_.get()));
}

std::span<const std::complex<float>> RealFft::forward(std::span<const float> x) {
  std::copy_n(x.begin(), std::min(x.size(), n_), time_.get());
  if (x.size() < n_) std::fill(time_.get() + x.size(), time_.get() + n_, 0.0f);
  forward();
  return spectrum();
}

Result<ComplexFft> ComplexFft::create(std::size_t n, PlanEffort effort, FftDirections directions,
                                      FftPlacement placement) {
  if (n < 1 || n > k_max_fft_size) {
    return fail(ErrorCode::invalid_argument, "FFT length {} outside [1, {}]", n, k_max_fft_size);
  }
  ComplexFft fft;
  fft.n_ = n;
  fft.data_.reset(alloc_buffer<std::complex<float>>(n));
  if (placement == FftPlacement::out_of_place) fft.out_.reset(alloc_buffer<std::complex<float>>(n));
  if (!fft.data_ || (placement == FftPlacement::out_of_place && !fft.out_))
    return fail(ErrorCode::internal, "cannot allocate FFT buffers of length {}", n);
  const int len = static_cast<int>(n);
  fftwf_complex* in = as_fftw(fft.data_.get());
  fftwf_complex* out = as_fftw(fft.output().data());
  {
    std::lock_guard lock(planner_mutex());
    // Out of place, FFTW's complex plans preserve their input by default (FFTW_PRESERVE_INPUT).
    if (directions != FftDirections::inverse_only) {
      fft.forward_plan_.reset(fftwf_plan_dft_1d(len, in, out, FFTW_FORWARD, flags_for(effort)));
    }
    if (directions != FftDirections::forward_only) {
      fft.inverse_plan_.reset(fftwf_plan_dft_1d(len, in, out, FFTW_BACKWARD, flags_for(effort)));
    }
  }
  if ((directions != FftDirections::inverse_only && !fft.forward_plan_) ||
      (directions != FftDirections::forward_only && !fft.inverse_plan_)) {
    return fail(ErrorCode::internal, "FFTW could not plan a complex FFT of length {}", n);
  }
  std::fill_n(fft.data_.get(), n, std::complex<float>{});
  if (fft.out_) std::fill_n(fft.out_.get(), n, std::complex<float>{});
  return fft;
}

void ComplexFft::forward() {
  assert(forward_plan_ && "forward transform not planned");
  fftwf_execute(static_cast<fftwf_plan>(forward_plan_.get()));
}
void ComplexFft::inverse() {
  assert(inverse_plan_ && "inverse transform not planned");
  fftwf_execute(static_cast<fftwf_plan>(inverse_plan_.get()));
}

}  // namespace vigil::dsp
