// Cepstrum pre-whitening (CPW): flattens a window's spectrum while keeping its phase, so that
// discrete components (shaft harmonics, gear mesh) and structural resonances no longer dominate and
// the impacts of a bearing defect stand out wherever they are excited. The whitened spectrum is then
// demodulated like any other (envelope.hpp); Smith & Randall (2015) used it as their method 2 on the
// CWRU data.
#pragma once

#include <complex>
#include <span>

namespace vigil::dsp {

// Math (Sawalhi & Randall, "Signal pre-whitening using cepstrum editing (liftering) to enhance fault
// detection in rolling element bearings", Acoustics Australia / CM-MFPT 2011; Borghesani, Pennacchi,
// Randall, Sawalhi & Ricci, "Application of cepstrum pre-whitening for the diagnosis of bearing faults
// under variable speed conditions", MSSP 36, 2013). The real cepstrum of a window is
//   c[q] = IDFT(log |X[k]|)[q].
// Editing it to zero everywhere except at zero quefrency leaves log |X_w[k]| = c[0] = mean_k log |X[k]|
// for every k, i.e. a constant magnitude; keeping the original phase gives
//   X_w[k] = e^{c[0]} X[k] / |X[k]|.
// The gain e^{c[0]} is dropped here (unit magnitude): everything downstream (kurtosis, envelope-line
// SNR) is invariant to it. So CPW needs no cepstrum at all, only one division per bin.
//
// Conventions: `spectrum` is a real-FFT spectrum (bins 0..N/2, as RealFft::forward returns it); `out`
// has the same size and may alias `spectrum`. The DC bin is set to 0 (a sensor offset is not part of the
// vibration), and so is any bin of zero magnitude (its phase is undefined). Allocates nothing.
void cepstrum_prewhiten(std::span<const std::complex<float>> spectrum, std::span<std::complex<float>> out);

}  // namespace vigil::dsp
