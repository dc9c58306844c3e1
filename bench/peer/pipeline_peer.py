#!/usr/bin/python3
"""Independent numpy/scipy peer of Vigil's per-window feature pipeline (diag::WindowAnalyzer).

Written as a competent data scientist would write it for a batch of channels: arrays of shape
(channels, samples), vectorised numpy/scipy, single precision FFTs (as Vigil's FFTW float plans), no
per-sample Python loops. It reads what bench/pipeline_bench wrote (the simulated signals and Vigil's
features), computes the same features itself, times itself on one core, and checks agreement.

Features (per channel, one 1 s window of N = 25,600 samples at fs = 25.6 kHz):
  * time statistics: rms, kurtosis (m4 / m2^2, not excess), crest factor = max|x| / rms;
  * velocity RMS 10-1000 Hz in mm/s from the rfft of the periodic-Hann-tapered window:
      v^2 = sum_{10 <= f_k <= 1000} 2 |X_w[k]|^2 / (2 pi f_k)^2 / (N sum w^2) * (9806.65 mm/s^2 per g)^2;
  * fast kurtogram on Antoni's 1/3-binary tree (rows of 1, 2, 3, 4, 6, ..., 2^levels bands of [0, fs/2]),
    bins below 4 x BPFI at the highest speed, DC and bands narrower than twice the envelope reach
    (2 x max_envelope_hz) excluded; for each band the complex envelope c is the
    inverse FFT of the band's bins (frequency-domain band filtering, full resolution, zero-padded to a fast
    length) and SK = E|c|^4 / (E|c|^2)^2 - 2; the band of largest SK (ties: coarser row) is chosen, then
    widened to the envelope's minimum width 2 x max_envelope_hz about its centre;
  * squared envelope spectrum of that band: analytic signal z = ifft of 2 x (band bins, raised-cosine
    edges of 200 Hz), |z|^2, mean removed, periodic Hann, rfft, amplitude = 4 |E| / N;
  * defect evidence at BPFO / BPFI / BSF / FTF harmonics (Harris' kinematic formulas): the strongest bin in
    h f0 (1 +- 2 %) (at least +-1 bin), background = median of the bins within 25 Hz (at least 8 bins
    beyond the search window) excluding the search window, SNR = 20 log10(amplitude / background).

Agreement (exit status 1 when any check fails; tolerances as stated in docs/benchmarks.md):
  rms, crest factor and velocity RMS within 1 %, kurtosis within 2 %, the demodulated band the same or
  overlapping (or, where no band is significantly more impulsive than another, the peer's SK of our band
  within 3 standard errors of the difference of its best SK, s.e. = 2 / sqrt(M) per band), the defect fundamentals' SNR within 1.5 dB (computed in our
  band when the bands differ, so the SNR check tests the envelope and the evidence, not the band choice).

Usage: /usr/bin/python3 bench/peer/pipeline_peer.py FEATURES_JSON [--min-cpu-s 3] [--out PEER_JSON]
"""

import os

# One core: no BLAS / OpenMP threads (set before numpy is imported); scipy.fft is called with workers=1.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.fft as sfft  # noqa: E402
import scipy.signal  # noqa: E402
import scipy.stats  # noqa: E402

G_MM_S2 = 9806.65  # standard gravity in mm/s^2
DEFECTS = ("outer_race", "inner_race", "ball", "cage")
TOL = {"rms": 0.01, "crest_factor": 0.01, "velocity_rms_mm_s": 0.01, "kurtosis": 0.02, "snr_db": 1.5}


# ----------------------------------------------------------------------------------------------------
# Configuration derived independently from the bearing geometry (Harris, Rolling Bearing Analysis).

def defect_frequencies(bearing, speed_rpm):
    fr = speed_rpm / 60.0
    r = bearing["ball_diameter_mm"] / bearing["pitch_diameter_mm"] * math.cos(math.radians(bearing["contact_angle_deg"]))
    z = bearing["ball_count"]
    return {
        "shaft": fr,
        "outer_race": 0.5 * z * (1 - r) * fr,  # BPFO
        "inner_race": 0.5 * z * (1 + r) * fr,  # BPFI
        "ball": bearing["pitch_diameter_mm"] / bearing["ball_diameter_mm"] * (1 - r * r) * fr,  # BSF (2 x spin)
        "cage": 0.5 * (1 - r) * fr,  # FTF
    }


class Setup:
    def __init__(self, cfg):
        self.fs = float(cfg["sample_rate_hz"])
        self.n = int(cfg["window_len"])
        self.bin_hz = self.fs / self.n
        self.levels = int(cfg["kurtogram_levels"])
        self.cap = int(cfg["kurtogram_max_samples_per_band"])
        ev = cfg["evidence"]
        self.harmonics = int(ev["harmonics"])
        self.speed_tol = float(ev["speed_tolerance"])
        self.background_hz = float(ev["background_hz"])
        self.min_bg_bins = int(ev["min_background_bins"])
        self.bearing = cfg["bearing"]
        top = defect_frequencies(self.bearing, float(cfg["max_speed_rpm"]))
        # Bands start at 4 x BPFI at the highest speed; the envelope reaches 3 x the highest defect rate plus
        # a shaft sideband, with the speed tolerance on top, + 10 Hz.
        self.min_low_hz = min(4 * top["inner_race"], self.fs / 4)
        highest = max(top["inner_race"], top["outer_race"], top["ball"])
        self.max_env_hz = (3 * highest + top["shaft"]) * (1 + self.speed_tol) + 10
        # Bands narrower than twice the envelope's reach are not candidates (the envelope would widen them).
        self.min_bandwidth_hz = 2 * self.max_env_hz
        for ours, mine in ((cfg["kurtogram_min_low_hz"], self.min_low_hz), (cfg["envelope_max_hz"], self.max_env_hz),
                           (cfg["kurtogram_min_bandwidth_hz"], self.min_bandwidth_hz)):
            if abs(ours - mine) > 1e-6 * mine:
                raise SystemExit(f"configuration mismatch: {ours} vs {mine}")
        self.q = int(math.floor(self.max_env_hz / self.bin_hz))
        self.max_bin = (self.n - 1) // 2
        taper_bins = min(int(round(float(cfg["envelope_edge_taper_hz"]) / self.bin_hz)), self.max_bin)
        d = np.arange(1, taper_bins + 1)
        self.taper = (0.5 * (1 + np.cos(np.pi * d / (taper_bins + 1)))).astype(np.float32)
        self.hann = scipy.signal.get_window("hann", self.n).astype(np.float32)  # periodic (fftbins=True)
        self.freqs = sfft.rfftfreq(self.n, 1 / self.fs)
        band = (self.freqs >= cfg["velocity_band_hz"][0]) & (self.freqs <= cfg["velocity_band_hz"][1])
        self.vel_idx = np.nonzero(band)[0]
        self.vel_weight = 2.0 / (2 * np.pi * self.freqs[self.vel_idx]) ** 2 / (self.n * np.sum(self.hann.astype(np.float64) ** 2))
        # Kurtogram tree: rows of 1, 2, 3, 4, 6, 8, ..., 2^levels bands; band i of a row of nb bands covers
        # bins [ceil(i tiled / nb), ceil((i + 1) tiled / nb)), tiled = N / 2, minus bins below min_low_hz.
        counts = [1]
        for j in range(1, self.levels + 1):
            counts.append(2 ** j)
            if j < self.levels:
                counts.append(3 * 2 ** (j - 1))
        tiled = self.n // 2
        first = max(1, math.ceil(self.min_low_hz / self.bin_hz))
        self.bands = []  # (row, index, lo_bin, hi_bin_exclusive, nominal_low_hz, nominal_high_hz)
        for row, nb in enumerate(counts):
            width_hz = self.fs / 2 / nb
            for i in range(nb):
                lo = max(-(-i * tiled // nb), first)
                hi = -(-(i + 1) * tiled // nb)
                low_hz, high_hz = max(i * width_hz, self.min_low_hz), (i + 1) * width_hz
                if hi < lo + 4 or high_hz - low_hz < self.min_bandwidth_hz:
                    continue
                self.bands.append((row, i, lo, hi, low_hz, high_hz))

    def resolve(self, low_hz, high_hz):
        """The bins the envelope demodulates for a nominal band: clamped, widened to 2Q + 1 bins about its centre."""
        low = min(max(math.ceil(low_hz / self.bin_hz), 1), self.max_bin)
        high = min(max(math.floor(high_hz / self.bin_hz), 1), self.max_bin)
        if high - low + 1 < 2 * self.q + 1:
            centre = min(max(int(math.floor(0.5 * (low_hz + high_hz) / self.bin_hz + 0.5)), 1), self.max_bin)
            low, high = centre - self.q, centre + self.q
            if low < 1:
                high += 1 - low
                low = 1
            if high > self.max_bin:
                low -= high - self.max_bin
                high = self.max_bin
        return low, high


# ----------------------------------------------------------------------------------------------------
# The pipeline, batched over channels.

def kurtogram(X, s):
    """SK of every band of the tree for every channel: array (channels, bands)."""
    sk = np.empty((X.shape[0], len(s.bands)))
    for j, (_, _, lo, hi, _, _) in enumerate(s.bands):
        c = sfft.ifft(X[:, lo:hi], n=sfft.next_fast_len(hi - lo), axis=1, workers=1)
        p = c.real ** 2 + c.imag ** 2
        m2 = p.mean(axis=1, dtype=np.float64)
        m4 = (p * p).mean(axis=1, dtype=np.float64)
        sk[:, j] = m4 / m2 ** 2 - 2
    return sk


def envelope_spectra(X, s, bins):
    """Squared-envelope amplitude spectra (channels, Q + 1) of the bands bins[c] = (low, high)."""
    C = X.shape[0]
    W = np.zeros((C, X.shape[1]), dtype=np.float32)
    nt = len(s.taper)
    for c, (low, high) in enumerate(bins):
        W[c, low:high + 1] = 1
        tl, th = min(nt, low - 1), min(nt, s.max_bin - high)
        W[c, low - tl:low] = s.taper[:tl][::-1]
        W[c, high + 1:high + 1 + th] = s.taper[:th]
    Z = np.zeros((C, s.n), dtype=np.complex64)
    Z[:, :X.shape[1]] = X * W
    z = sfft.ifft(Z, axis=1, workers=1) * 2  # analytic signal of the band (ifft carries the 1/N)
    e = z.real ** 2 + z.imag ** 2
    mean = e.mean(axis=1, dtype=np.float64)
    E = sfft.rfft((e - mean[:, None].astype(np.float32)) * s.hann, axis=1, workers=1)
    amp = np.abs(E[:, :s.q + 1]) * (4.0 / s.n)
    amp[:, 0] = mean
    return amp


def find_line(amp, s, centre_hz, half_width_hz):
    last = len(amp) - 1
    cb = centre_hz / s.bin_hz
    if not 1 <= cb <= last:
        return None
    nearest = math.floor(cb + 0.5)
    low = int(min(math.ceil((centre_hz - half_width_hz) / s.bin_hz), nearest - 1))
    high = int(max(math.floor((centre_hz + half_width_hz) / s.bin_hz), nearest + 1))
    if low < 1 or high > last:
        return None
    peak = low + int(np.argmax(amp[low:high + 1]))
    reach = s.background_hz / 2 / s.bin_hz
    bg_low = int(max(1, min(math.floor(cb - reach + 0.5), low - s.min_bg_bins)))
    bg_high = int(min(last, max(math.floor(cb + reach + 0.5), high + s.min_bg_bins)))
    background = np.median(np.concatenate((amp[bg_low:low], amp[high + 1:bg_high + 1])))
    snr = 20 * math.log10(amp[peak] / background) if background > 0 and amp[peak] > 0 else float("nan")
    return {"amplitude": float(amp[peak]), "background": float(background), "snr_db": snr, "bin": peak}


def evidence(amp, s, speed_rpm):
    f = defect_frequencies(s.bearing, speed_rpm)
    out = {}
    for d in DEFECTS:
        out[d] = [find_line(amp, s, h * f[d], s.speed_tol * h * f[d]) for h in range(1, s.harmonics + 1)]
    return out


def pipeline(x, s, speeds):
    """Every feature of every channel's window. x: (channels, N) float32."""
    xd = x.astype(np.float64)
    rms = np.sqrt(np.mean(xd * xd, axis=1))
    kurt = scipy.stats.kurtosis(xd, axis=1, fisher=False, bias=True)
    crest = np.max(np.abs(xd), axis=1) / rms

    X = sfft.rfft(x, axis=1, workers=1)
    Xw = sfft.rfft(x * s.hann, axis=1, workers=1)
    vel = np.sqrt((np.abs(Xw[:, s.vel_idx].astype(np.complex128)) ** 2) @ s.vel_weight) * G_MM_S2

    sk = kurtogram(X, s)
    best = np.argmax(sk, axis=1)  # first maximum: the coarser row on ties
    bins = [s.resolve(s.bands[j][4], s.bands[j][5]) for j in best]
    amp = envelope_spectra(X, s, bins)
    ev = [evidence(amp[c], s, speeds[c]) for c in range(x.shape[0])]
    return {"rms": rms, "kurtosis": kurt, "crest_factor": crest, "velocity_rms_mm_s": vel, "sk": sk,
            "best": best, "bins": bins, "amp": amp, "evidence": ev, "X": X}


# ----------------------------------------------------------------------------------------------------

def blas_info():
    """Which BLAS numpy runs and, for OpenBLAS, its kernel (threadpoolctl when installed, else the shared
    libraries mapped into this process, asked through ctypes)."""
    try:
        import threadpoolctl  # noqa: PLC0415

        return [{k: v for k, v in lib.items() if k in ("internal_api", "version", "threading_layer", "architecture",
                                                        "num_threads", "filepath")}
                for lib in threadpoolctl.threadpool_info()]
    except ImportError:
        pass
    import ctypes  # noqa: PLC0415

    with open("/proc/self/maps") as fh:
        paths = sorted({ln.split()[-1] for ln in fh if "/" in ln and any(
            k in ln.rsplit("/", 1)[-1] for k in ("blas", "lapack", "mkl", "blis")) and "cpython" not in ln})
    info = {"source": "/proc/self/maps (threadpoolctl not installed)", "libraries": paths}
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            info["openblas_core"] = lib.openblas_get_corename().decode()
            info["openblas_config"] = lib.openblas_get_config().decode().strip()
            break
        except (OSError, AttributeError):
            continue
    return info


def relative(a, b):
    return abs(a - b) / max(abs(b), 1e-300)


def check(ours_doc, x, s, result):
    problems, rows = [], []
    worst = {k: 0.0 for k in ("rms", "crest_factor", "velocity_rms_mm_s", "kurtosis", "snr_db", "band_kurtosis")}
    for c, ch in enumerate(ours_doc["channels"]):
        ours = ch["features"]
        for key in ("rms", "crest_factor", "velocity_rms_mm_s", "kurtosis"):
            err = relative(ours[key], float(result[key][c]))
            worst[key] = max(worst[key], err)
            if err > TOL[key]:
                problems.append(f"channel {c}: {key} ours {ours[key]:.6g} peer {result[key][c]:.6g} ({100 * err:.3f} %)")
        # Band.
        our_bins = (int(round(ours["band_low_hz"] / s.bin_hz)), int(round(ours["band_high_hz"] / s.bin_hz)))
        peer_bins = result["bins"][c]
        overlap = our_bins[0] <= peer_bins[1] and peer_bins[0] <= our_bins[1]
        sk = result["sk"][c]
        same_as_ours = [j for j, b in enumerate(s.bands) if s.resolve(b[4], b[5]) == our_bins]
        band_note = "same" if peer_bins == our_bins else ("overlapping" if overlap else "")
        if same_as_ours:
            j = max(same_as_ours, key=lambda i: sk[i])
            if peer_bins == our_bins:  # informational: ours samples wide bands at M <= 4096 instants
                worst["band_kurtosis"] = max(worst["band_kurtosis"], relative(ours["band_kurtosis"], sk[j]))
            if not overlap:
                # Standard error of SK for Gaussian noise: 2 / sqrt(independent envelope samples).
                se = [2 / math.sqrt(min(s.bands[i][3] - s.bands[i][2], s.cap)) for i in (j, int(result["best"][c]))]
                margin = 3 * math.hypot(*se)
                if sk.max() - sk[j] <= margin:
                    band_note = f"equivalent (SK {sk[j]:.3f} vs {sk.max():.3f}, within 3 s.e. {margin:.3f})"
        if not band_note:
            problems.append(f"channel {c}: band ours {ours['band_low_hz']:.0f}-{ours['band_high_hz']:.0f} Hz, peer "
                            f"{peer_bins[0] * s.bin_hz:.0f}-{peer_bins[1] * s.bin_hz:.0f} Hz (disjoint, SK not within 3 s.e.)")
        # Defect fundamentals, in our band.
        if peer_bins == our_bins:
            ev = result["evidence"][c]
        else:
            amp = envelope_spectra(result["X"][c:c + 1], s, [our_bins])[0]
            ev = evidence(amp, s, ch["speed_rpm"])
        snr = {}
        for d in DEFECTS:
            mine = ev[d][0]
            theirs = ours["defects"][d]["harmonics"]
            theirs = theirs[0] if theirs and theirs[0]["harmonic"] == 1 else None
            if (mine is None) != (theirs is None):
                problems.append(f"channel {c}: {d} fundamental checked by only one side")
                continue
            if mine is None:
                continue
            diff = abs(mine["snr_db"] - theirs["snr_db"])
            worst["snr_db"] = max(worst["snr_db"], diff)
            snr[d] = (round(theirs["snr_db"], 2), round(mine["snr_db"], 2))
            if not diff <= TOL["snr_db"]:
                problems.append(f"channel {c}: {d} fundamental SNR ours {theirs['snr_db']:.2f} dB peer {mine['snr_db']:.2f} dB")
        rows.append({"channel": c, "fault": ch["fault"], "band": band_note,
                     "our_band_hz": [ours["band_low_hz"], ours["band_high_hz"]],
                     "peer_band_hz": [peer_bins[0] * s.bin_hz, peer_bins[1] * s.bin_hz],
                     "snr_db_ours_peer": snr})
    return problems, rows, worst


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("features", help="pipeline_features.json written by pipeline_bench")
    ap.add_argument("--min-cpu-s", type=float, default=3.0, help="CPU seconds to spend timing (default 3)")
    ap.add_argument("--out", help="write the peer's results as JSON here")
    args = ap.parse_args()

    with open(args.features) as fh:
        doc = json.load(fh)
    sig = doc["signals"]
    channels, n = sig["shape"]
    if sig["dtype"] != "float32" or sig["byte_order"] != "little":
        raise SystemExit(f"unexpected signal format {sig}")
    x = np.fromfile(os.path.join(os.path.dirname(os.path.abspath(args.features)), sig["file"]), dtype="<f4")
    x = x.reshape(channels, n)
    s = Setup(doc["config"])
    speeds = [ch["speed_rpm"] for ch in doc["channels"]]

    result = pipeline(x, s, speeds)  # warm-up (also the result checked)
    times = []
    total = 0.0
    while total < args.min_cpu_s or len(times) < 5:
        t0 = time.process_time()
        pipeline(x, s, speeds)
        dt = time.process_time() - t0
        times.append(dt)
        total += dt
    per_batch = float(np.median(times))
    signal_s = channels * n / s.fs
    rate = signal_s / per_batch

    problems, rows, worst = check(doc, x, s, result)
    out = {
        "peer_channel_s_per_core_s": rate,
        "peer_ns_per_sample": per_batch / (channels * n) * 1e9,
        "cpu_s_per_batch_median": per_batch,
        "cpu_s_per_batch_min": min(times),
        "batches_timed": len(times),
        "channels": channels,
        "window_len": n,
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "blas": blas_info(),
        "env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE",
                                               "OPENBLAS_L2_SIZE")},
        "tolerances": TOL,
        "worst_deviation": worst,
        "agreement": "pass" if not problems else "fail",
        "problems": problems,
        "channels_detail": rows,
    }
    print(f"peer: numpy {np.__version__}, scipy {scipy.__version__}, BLAS {json.dumps(out['blas'])}")
    print(f"peer: env {json.dumps(out['env'])}")
    print(f"peer: {channels} channels x {n} samples, median {1e3 * per_batch:.2f} ms CPU per batch over "
          f"{len(times)} batches -> {rate:.1f} channel-s per core-s ({out['peer_ns_per_sample']:.1f} ns/sample)")
    for r in rows:
        print(f"peer:   ch{r['channel']} {r['fault']:<10} band {r['band']:<12} SNR (ours, peer) {r['snr_db_ours_peer']}")
    print("peer: worst deviation " + ", ".join(f"{k} {v:.3g}" for k, v in worst.items()) +
          " (relative for levels and band SK, dB for SNR; band SK is not checked)")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(out, fh, indent=1)
    if problems:
        print("peer: DISAGREEMENT\n  " + "\n  ".join(problems))
        return 1
    print("peer: agreement PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
