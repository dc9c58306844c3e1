#!/usr/bin/python3
"""Independent numpy peer of Vigil's learned-model inference for one window (model_bench).

What an edge service written in Python would do for each new window's feature vector: standardise it with
the per-asset scaler, compute Hotelling's T^2 against the healthy Gaussian (whitening matrix L^-1 of the
covariance's Cholesky factor, computed once), and run the classifier's dense layers (ReLU, softmax) with
numpy matrix-vector products, one window at a time (the edge sees windows as they come, not batches).

Reads OUT_DIR/model_peer_input.json written by bench/model_bench (the feature vectors, the scaler
{centre, scale}, the detector {mean, covariance}, the layers and Vigil's own T^2 and probabilities), checks
it gets the same numbers (T^2 within 1e-6 relative, probabilities within 1e-5 absolute: Vigil runs the
network in float32 through OpenCV, the peer in float64) and times itself on one core.

Usage: /usr/bin/python3 bench/peer/model_peer.py INPUT_JSON [--min-cpu-s 2] [--out PEER_JSON]
Exit status 1 when the numbers disagree.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402


class Peer:
    def __init__(self, doc):
        self.centre = np.asarray(doc["scaler"]["centre"], dtype=np.float64)
        self.scale = np.asarray(doc["scaler"]["scale"], dtype=np.float64)
        self.mean = np.asarray(doc["detector"]["mean"], dtype=np.float64)
        cov = np.asarray(doc["detector"]["covariance"], dtype=np.float64)
        self.whitening = np.linalg.inv(np.linalg.cholesky(cov))
        self.layers = [(np.asarray(l["weight"], dtype=np.float64).reshape(l["outputs"], l["inputs"]),
                        np.asarray(l["bias"], dtype=np.float64), l["activation"]) for l in doc["layers"]]

    def t2(self, x):
        # The anomaly model reads the window features, which lead the classifier vector.
        x = x[: len(self.centre)]
        u = self.whitening @ ((x - self.centre) / self.scale - self.mean)
        return float(u @ u)

    def probabilities(self, x):
        a = x
        for w, b, act in self.layers:
            a = w @ a + b
            if act == "relu":
                a = np.maximum(a, 0.0)
        e = np.exp(a - a.max())
        return e / e.sum()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input")
    ap.add_argument("--min-cpu-s", type=float, default=2.0, help="CPU seconds to spend timing (default 2)")
    ap.add_argument("--out", default=None, help="write the result JSON here")
    args = ap.parse_args()

    with open(args.input) as fh:
        doc = json.load(fh)
    peer = Peer(doc)
    features = [np.asarray(f, dtype=np.float64) for f in doc["features"]]

    problems = []
    worst_t2, worst_p = 0.0, 0.0
    for i, x in enumerate(features):
        ours_t2 = doc["expected"]["t2"][i]
        t2 = peer.t2(x)
        rel = abs(t2 - ours_t2) / max(abs(t2), 1e-12)
        worst_t2 = max(worst_t2, rel)
        if rel > 1e-6:
            problems.append(f"window {i}: T^2 {ours_t2} vs peer {t2} (relative {rel:.2e})")
        p = peer.probabilities(x)
        dev = float(np.max(np.abs(p - np.asarray(doc["expected"]["probabilities"][i]))))
        worst_p = max(worst_p, dev)
        if dev > 1e-5:
            problems.append(f"window {i}: probabilities differ by {dev:.2e}")

    # Timing: batches over the windows, one window at a time, until min_cpu_s of CPU time.
    times, total = [], 0.0
    while total < args.min_cpu_s or len(times) < 5:
        t0 = time.process_time()
        for _ in range(50):
            for x in features:
                peer.t2(x)
                peer.probabilities(x)
        dt = time.process_time() - t0
        times.append(dt / (50 * len(features)))
        total += dt
    us = statistics.median(times) * 1e6

    result = {
        "peer_us_per_window": us,
        "agreement": "ok" if not problems else "DISAGREES",
        "problems": problems,
        "worst_deviation": {"t2_relative": worst_t2, "probability_absolute": worst_p},
        "tolerances": {"t2_relative": 1e-6, "probability_absolute": 1e-5},
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(result, fh, indent=1)
    print(f"numpy peer: {us:.2f} us per window (T^2 + classifier), agreement {result['agreement']} "
          f"(worst T^2 {worst_t2:.1e} relative, probability {worst_p:.1e})")
    for p in problems:
        print("  " + p)
    return 0 if not problems else 1


if __name__ == "__main__":
    raise SystemExit(main())
