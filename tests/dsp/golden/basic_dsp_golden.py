#!/usr/bin/python3
"""Golden vectors for tests/dsp/{window,spectrum,iir,cepstrum_prewhitening}_test.cpp, computed with scipy independently of
Vigil's code. The C++ tests embed the output between `// BEGIN GOLDEN <name>` and `// END GOLDEN`
markers; regenerate them with

    /usr/bin/python3 tests/dsp/golden/basic_dsp_golden.py --write

(run from the repository root; Debian's python3-scipy, checked with scipy 1.10.1 / numpy 1.24.2).
Without --write the blocks are printed. The test signals are defined by integer arithmetic and
sines so the C++ side can rebuild them bit-for-bit (see the matching functions in the tests).
"""
import pathlib
import sys

import numpy as np
import scipy
from scipy import signal

HERE = pathlib.Path(__file__).resolve().parent
TESTS = HERE.parent


def welch_signal(n, fs):
    """0.3 offset + 0.7 sin(50 Hz) + 0.2 cos(123.4 Hz) + a sawtooth-like integer sequence."""
    t = np.arange(n)
    noise = ((t * 7919 + 13) % 1009) / 1009.0 - 0.5
    x = 0.3 + 0.7 * np.sin(2 * np.pi * 50.0 * t / fs) + 0.2 * np.cos(2 * np.pi * 123.4 * t / fs) + noise
    return x.astype(np.float32)


def filter_signal(n):
    """Unit impulse at 0 plus a step at n/4 plus a deterministic integer pattern."""
    t = np.arange(n)
    x = (t == 0) * 1.0 + (t >= n // 4) * 0.75 + 0.5 * (((t * 37) % 11) - 5) / 5.0
    return x.astype(np.float32)


def decimation_signal(n, fs):
    t = np.arange(n)
    x = np.sin(2 * np.pi * 1000.0 * t / fs) + 0.5 * np.sin(2 * np.pi * 9000.0 * t / fs)
    return x.astype(np.float32)


def cepstrum_signal(n):
    """3 sin(5 cycles) + 0.5 cos(13 cycles + 0.3) + 0.2 x an integer pattern, over n samples."""
    t = np.arange(n)
    x = (3.0 * np.sin(2 * np.pi * 5 * t / n) + 0.5 * np.cos(2 * np.pi * 13 * t / n + 0.3)
         + 0.2 * (((t * 37) % 11) - 5) / 5.0)
    return x.astype(np.float32)


def array(name, values):
    values = np.asarray(values, dtype=np.float64).ravel()
    body = ",\n    ".join(", ".join(repr(float(v)) for v in values[i:i + 4]) for i in range(0, len(values), 4))
    return f"constexpr double {name}[] = {{\n    {body}}};\n"


def blocks():
    out = {}

    # --- windows: scipy.signal.get_window, periodic (fftbins=True) n=16 and symmetric n=9
    text = ""
    for kind, scipy_name in [("hann", "hann"), ("hamming", "hamming"),
                             ("blackman_harris", "blackmanharris"), ("flat_top", "flattop")]:
        text += array(f"k_{kind}_periodic_16", signal.get_window(scipy_name, 16, fftbins=True))
        text += array(f"k_{kind}_symmetric_9", signal.get_window(scipy_name, 9, fftbins=False))
    out["window"] = text

    # --- welch: scipy.signal.welch defaults (detrend='constant', scaling='density', onesided)
    fs = 1000.0
    x = welch_signal(1000, fs)
    _, p_hann = signal.welch(x.astype(np.float64), fs=fs, window="hann", nperseg=128, noverlap=64)
    _, p_hamming = signal.welch(x.astype(np.float64), fs=fs, window="hamming", nperseg=100, noverlap=25)
    out["welch"] = array("k_welch_hann_128_64", p_hann) + array("k_welch_hamming_100_25", p_hamming)

    # --- butterworth sections (rows b0 b1 b2 a0 a1 a2), sosfilt, sosfiltfilt, decimation
    designs = {
        "lp4_1000_12k": signal.butter(4, 1000.0, "lowpass", fs=12000.0, output="sos"),
        "hp3_500_12k": signal.butter(3, 500.0, "highpass", fs=12000.0, output="sos"),
        "bp2_10_1000_12k": signal.butter(2, [10.0, 1000.0], "bandpass", fs=12000.0, output="sos"),
        "bp3_2000_4000_48k": signal.butter(3, [2000.0, 4000.0], "bandpass", fs=48000.0, output="sos"),
        "lp8_4800_48k": signal.butter(8, 4800.0, "lowpass", fs=48000.0, output="sos"),
    }
    text = ""
    for name, sos in designs.items():
        text += array(f"k_sos_{name}", sos)
    xf = filter_signal(64).astype(np.float64)
    text += array("k_sosfilt_lp4_1000_12k", signal.sosfilt(designs["lp4_1000_12k"], xf))
    text += array("k_sosfilt_hp3_500_12k", signal.sosfilt(designs["hp3_500_12k"], xf))
    xz = filter_signal(100).astype(np.float64)
    text += array("k_sosfiltfilt_lp4_1000_12k", signal.sosfiltfilt(designs["lp4_1000_12k"], xz))
    text += array("k_sosfiltfilt_hp3_500_12k", signal.sosfiltfilt(designs["hp3_500_12k"], xz))
    xd = decimation_signal(400, 48000.0).astype(np.float64)
    text += array("k_decimated_by_4", signal.sosfilt(designs["lp8_4800_48k"], xd)[::4])
    out["iir"] = text

    # --- cepstrum pre-whitening by the textbook route (Sawalhi & Randall 2011): real cepstrum
    # c = IDFT(log |X|), every quefrency but zero set to 0, back to a log spectrum, exponentiated and given
    # the original phase; then Vigil's conventions: DC bin 0, gain e^{c[0]} divided out.
    n = 64
    xc = cepstrum_signal(n).astype(np.float64)
    spectrum = np.fft.rfft(xc)
    cepstrum = np.fft.irfft(np.log(np.abs(spectrum)), n)
    edited = np.zeros(n)
    edited[0] = cepstrum[0]
    log_magnitude = np.fft.rfft(edited).real
    whitened = np.exp(log_magnitude) * np.exp(1j * np.angle(spectrum))
    whitened[0] = 0.0
    out["cepstrum"] = (array("k_cepstrum_c0", [cepstrum[0]]) +
                       array("k_prewhitened_64", np.fft.irfft(whitened / np.exp(cepstrum[0]), n)))
    return out


def main():
    generated = blocks()
    header = f"// generated by tests/dsp/golden/basic_dsp_golden.py (scipy {scipy.__version__}, numpy {np.__version__})\n"
    if "--write" not in sys.argv:
        for name, text in generated.items():
            print(f"// BEGIN GOLDEN {name}\n{header}{text}// END GOLDEN")
        return
    targets = {"window": "window_test.cpp", "welch": "spectrum_test.cpp", "iir": "iir_test.cpp",
               "cepstrum": "cepstrum_prewhitening_test.cpp"}
    for name, file in targets.items():
        path = TESTS / file
        if not path.exists():
            print(f"skipped {path}: no such file")
            continue
        source = path.read_text()
        begin = f"// BEGIN GOLDEN {name}\n"
        end = "// END GOLDEN"
        i = source.index(begin) + len(begin)
        j = source.index(end, i)
        path.write_text(source[:i] + header + generated[name] + source[j:])
        print(f"updated {path}")


if __name__ == "__main__":
    main()
