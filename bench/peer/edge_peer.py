#!/usr/bin/python3
"""A Python edge agent of vigil-edge's pipeline: the peer of the realtime_channels_per_core figure.

What a user would otherwise run beside a machine, written with the usual tools: paho-mqtt subscribes to raw
sensor frames (docs/formats/sensor-frame.md: the header parsed and checked field by field, the CRC-32
checked with zlib.crc32, int16 or float32 samples times scale), per-channel ring buffers cut 1 s windows
with 50 % overlap, and for every window it computes the 28 features of Vigil's schema version 1
(docs/formats/features.md) with the numpy/scipy analysis of bench/peer/pipeline_peer.py (imported: its
kurtogram, envelope spectrum and defect evidence), scores Hotelling's T^2 against a Gaussian fitted on the
channel's first healthy windows (the scoring of bench/peer/model_peer.py), decides normal / alarm by a
threshold (the (1 - false-alarm rate) quantile of T^2 on held-out baseline windows, as vigil-edge
commissions), and appends one row per decision to SQLite (WAL, synchronous=FULL, one transaction per 100 ms
batch, as vigil-edge's recorder). Windows that are ready together (one per channel: the channels' frames
arrive together) are analysed as one batch, the vectorised way numpy is meant to be used.

Commands:
  run    the agent, until Ctrl-C / SIGTERM or --seconds of signal per channel:
         edge_peer.py run --broker 127.0.0.1:1883 --node pump-7 --config CONFIG.json --db decisions.db
  bench  the measurement scripts/bench.sh runs: starts Mosquitto on 127.0.0.1 (a free port) and one
         `vigil sensor` per channel publishing the simulator's bearing accelerated, runs the agent pinned to
         one core and reports channel-seconds decided per CPU-second of the agent's process (time.process_time:
         every thread, paho's network thread included); then runs the same frames again from memory (no
         MQTT) through the same agent, so the MQTT share is visible. Every process it starts is stopped on
         every exit path (finally, SIGTERM / SIGINT handlers, and PR_SET_PDEATHSIG should this process die).
         edge_peer.py bench --vigil build/bin/vigil --config CONFIG.json --out edge_peer.json

CONFIG.json is what `edge_bench --peer_config=` writes: {"speed_rpm", "window_s", "overlap", "analysis":
pipeline_peer's configuration, "check": windows with the feature vectors Vigil computed for them}. Before
measuring, `bench` checks the frame parser against the format's example bytes and its features against
Vigil's. Exit status: 0; 1 when a check or a set-up step fails or a frame went missing; 2 on a usage error.
"""

import os

# One core: no BLAS / OpenMP threads (set before numpy is imported); scipy.fft is called with workers=1.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import ctypes  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import queue  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import sqlite3  # noqa: E402
import struct  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import zlib  # noqa: E402

import numpy as np  # noqa: E402
import scipy.fft as sfft  # noqa: E402
import scipy.stats  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model_peer  # noqa: E402
import pipeline_peer as pp  # noqa: E402

# ----------------------------------------------------------------------------------------------------
# Sensor frames (docs/formats/sensor-frame.md, version 1).

HEADER = struct.Struct("<4sBBBBQqdfIBB")  # magic ... channel_len: 42 bytes
MIN_FRAME, MAX_FRAME, MAX_SAMPLES = 46, 262286, 65536
STANDARD_GRAVITY = 9.80665
ID_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
FLT_MIN = float(np.finfo(np.float32).tiny)
FLT_MAX = float(np.finfo(np.float32).max)


class FrameError(ValueError):
    pass


def parse_frame(b):
    """(node, channel, sequence, first_sample_ns, sample_rate_hz, samples in g as float32), or FrameError
    naming the field, checked in the order the format lists."""
    if not MIN_FRAME <= len(b) <= MAX_FRAME:
        raise FrameError(f"sensor frame: length {len(b)} bytes outside [{MIN_FRAME}, {MAX_FRAME}]")
    magic, version, encoding, unit, reserved, seq, first_ns, rate, scale, n, nl, cl = HEADER.unpack_from(b)
    if magic != b"VGSF":
        raise FrameError(f"sensor frame: magic {magic.hex()} is not 56475346 (VGSF)")
    if version != 1:
        raise FrameError(f"sensor frame: version {version} unsupported (1)")
    if encoding not in (1, 2):
        raise FrameError(f"sensor frame: encoding {encoding} unknown (1 int16, 2 float32)")
    if not 1 <= unit <= 4:
        raise FrameError(f"sensor frame: unit {unit} unknown (1 g, 2 m/s2, 3 mm/s, 4 um)")
    if reserved != 0:
        raise FrameError(f"sensor frame: reserved byte {reserved}, expected 0")
    if not 1 <= nl <= 64:
        raise FrameError(f"sensor frame: node id length {nl} outside [1, 64]")
    if not 1 <= cl <= 32:
        raise FrameError(f"sensor frame: channel length {cl} outside [1, 32]")
    if not 1 <= n <= MAX_SAMPLES:
        raise FrameError(f"sensor frame: sample count {n} outside [1, {MAX_SAMPLES}]")
    width = 2 if encoding == 1 else 4
    expected = MIN_FRAME + nl + cl + width * n
    if len(b) != expected:
        raise FrameError(f"sensor frame: length {len(b)} bytes, expected {expected} for a {nl}-byte node id, "
                         f"a {cl}-byte channel and {n} {'int16' if width == 2 else 'float32'} samples")
    (crc,) = struct.unpack_from("<I", b, len(b) - 4)
    actual = zlib.crc32(memoryview(b)[:-4])
    if crc != actual:
        raise FrameError(f"sensor frame: CRC-32 {crc:08x} does not match the content ({actual:08x})")
    node, channel = bytes(b[42:42 + nl]), bytes(b[42 + nl:42 + nl + cl])
    if not set(node) <= ID_CHARS:
        raise FrameError(f"sensor frame: node id {node!r} has characters outside A-Z a-z 0-9 _ . -")
    if not set(channel) <= ID_CHARS:
        raise FrameError(f"sensor frame: channel {channel!r} has characters outside A-Z a-z 0-9 _ . -")
    if not (math.isfinite(rate) and 0 < rate <= 1e6):
        raise FrameError(f"sensor frame: sample rate {rate} Hz outside (0, 1000000]")
    if not (math.isfinite(scale) and FLT_MIN <= scale <= FLT_MAX):
        raise FrameError(f"sensor frame: scale {scale} is not a positive normal float")
    if first_ns < 0:
        raise FrameError(f"sensor frame: first_sample_ns {first_ns} is negative")
    if unit > 2:
        raise FrameError(f"sensor frame: unit {unit} is not an acceleration (the analysis needs g or m/s2)")
    stored = np.frombuffer(b, dtype="<i2" if width == 2 else "<f4", count=n, offset=42 + nl + cl)
    with np.errstate(over="ignore", invalid="ignore"):
        samples = stored * np.float32(scale if unit == 1 else scale / STANDARD_GRAVITY)
    if not np.isfinite(samples).all():
        raise FrameError("sensor frame: a physical sample is not finite")
    return node.decode(), channel.decode(), seq, first_ns, rate, samples


# The example of docs/formats/sensor-frame.md, byte for byte (node pump-7, channel DE, int16 in g, sequence
# 42, 25,600 S/s, scale 0.001, samples 0, 0.5, -1.25, 2.0 g).
DOC_EXAMPLE = bytes.fromhex("56475346010101002a00000000000000" "0000ca67a7fc7a18000000000000d940"
                            "6f12833a04000000060270756d702d37" "44450000f4011efbd007f9a201bf")


def check_frame_parser():
    """The parser against the format's documented example and its error cases; SystemExit when it is wrong."""
    node, channel, seq, first_ns, rate, x = parse_frame(DOC_EXAMPLE)
    problems = []
    if (node, channel, seq, first_ns, rate) != ("pump-7", "DE", 42, 1764000000000000000, 25600.0) or \
            not np.allclose(x, [0, 0.5, -1.25, 2.0], atol=0.0005):
        problems.append(f"documented example read as {node} {channel} {seq} {first_ns} {rate} {x}")
    bad = {"CRC-32": DOC_EXAMPLE[:-1] + b"\x00", "length 61": DOC_EXAMPLE[:-1], "magic": b"X" + DOC_EXAMPLE[1:],
           "reserved": DOC_EXAMPLE[:7] + b"\x01" + DOC_EXAMPLE[8:]}
    for expect, frame in bad.items():
        try:
            parse_frame(frame)
            problems.append(f"a frame with a bad {expect} was accepted")
        except FrameError as e:
            if expect not in str(e):
                problems.append(f"a bad {expect} was refused as: {e}")
    if problems:
        raise SystemExit("edge peer: the frame parser is wrong: " + "; ".join(problems))


# ----------------------------------------------------------------------------------------------------
# Per-channel ring buffer and windows.

class Channel:
    """The samples of one (node, channel) stream in a ring; windows of `window` samples every `hop`, each
    stamped with the source time of its last sample. A gap (missing frames) or a sensor restart starts the
    windows again; duplicates and late frames are dropped; all are counted."""

    def __init__(self, name, rate_hz, window, hop):
        self.name, self.rate_hz, self.window, self.hop = name, rate_hz, window, hop
        self.ring = np.zeros(window + MAX_SAMPLES, dtype=np.float32)
        self.expected_seq = None
        self.last_ns = -1
        self.index = 0  # windows cut so far
        self.frames = self.missing_frames = self.gaps = self.duplicates = self.restarts = 0
        self.samples = 0  # samples accepted into windows
        self._start()

    def _start(self):
        self.written = 0  # samples in the ring since the (re)start
        self.next_end = self.window
        self.base_ns = None

    def push(self, seq, first_ns, samples, out):
        """Appends a frame; appends (channel, window index, end_ns, window copy) to `out` for every window
        it completes."""
        self.frames += 1
        if self.expected_seq is not None and seq != self.expected_seq:
            if seq > self.expected_seq:
                self.gaps += 1
                self.missing_frames += seq - self.expected_seq
                self._start()
            elif seq == 0 and first_ns > self.last_ns:
                self.restarts += 1
                self._start()
            else:
                self.duplicates += 1
                return
        self.expected_seq = seq + 1
        n = len(samples)
        self.last_ns = first_ns + round((n - 1) * 1e9 / self.rate_hz)
        if self.base_ns is None:
            self.base_ns = first_ns
        cap = len(self.ring)
        pos = self.written % cap
        first = min(n, cap - pos)
        self.ring[pos:pos + first] = samples[:first]
        self.ring[:n - first] = samples[first:]
        self.written += n
        self.samples += n
        while self.written >= self.next_end:
            start = (self.next_end - self.window) % cap
            if start + self.window <= cap:
                w = self.ring[start:start + self.window].copy()
            else:
                w = np.concatenate((self.ring[start:], self.ring[:self.window - (cap - start)]))
            end_ns = self.base_ns + round((self.next_end - 1) * 1e9 / self.rate_hz)
            out.append((self, self.index, end_ns, w))
            self.index += 1
            self.next_end += self.hop


# ----------------------------------------------------------------------------------------------------
# Features (schema version 1), batched over windows, on pipeline_peer's analysis.

FEATURE_NAMES = ("rms_db", "peak_db", "crest_factor", "log_kurtosis", "skewness", "shape_factor", "impulse_factor",
                 "clearance_factor", "velocity_rms_db", "power_1x_db", "power_2x_db", "power_3x_10x_db",
                 "power_resonance_db", "resonance_log_sk", "bpfo_h1_snr_db", "bpfo_h2_snr_db", "bpfo_h3_snr_db",
                 "bpfi_h1_snr_db", "bpfi_h2_snr_db", "bpfi_h3_snr_db", "bpfi_sideband_snr_db", "bsf_h1_snr_db",
                 "bsf_h2_snr_db", "bsf_h3_snr_db", "bsf_sideband_snr_db", "ftf_h1_snr_db", "ftf_h2_snr_db",
                 "ftf_h3_snr_db")
FEATURES = len(FEATURE_NAMES)
# Agreement with Vigil's feature vectors (absolute, in the feature's unit): levels 0.1 dB (~1 %), ratios 1 %
# of their value, power fractions 0.2 dB, line SNRs 1.5 dB (pipeline_peer's tolerance). resonance_log_sk is
# reported, not checked: Vigil estimates a wide band's SK from at most 4096 envelope samples. The features
# read in the demodulated band are checked on the windows with a defect only: in a healthy (Gaussian) window
# no band is more impulsive than another and the two kurtograms may pick different ones (pipeline_peer.py
# checks that case by computing the lines in our band).
BAND_FEATURES = {"power_resonance_db", "resonance_log_sk"} | {n for n in FEATURE_NAMES if n.endswith("snr_db")}
TOLERANCE = {"rms_db": 0.1, "peak_db": 0.1, "velocity_rms_db": 0.1, "log_kurtosis": 0.02, "skewness": 0.01,
             "power_1x_db": 0.2, "power_2x_db": 0.2, "power_3x_10x_db": 0.2, "power_resonance_db": 0.2}
RELATIVE = {"crest_factor", "shape_factor", "impulse_factor", "clearance_factor"}


def tolerances():
    """The checked features and their tolerances (relative for RELATIVE, else absolute)."""
    return {n: 0.01 if n in RELATIVE else TOLERANCE.get(n, 1.5) for n in FEATURE_NAMES if n != "resonance_log_sk"}

LEVEL_FLOOR_DB, POWER_FLOOR_DB = -200.0, -120.0
FIRST_POWER_BIN = 2  # DC and bin 1 are left out of every power band and of the total


def level_db(v):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(v > 0, np.maximum(20 * np.log10(v), LEVEL_FLOOR_DB), LEVEL_FLOOR_DB)


def fraction_db(part, total):
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(total > 0, part / total, 0.0)
        return np.where(f > 0, np.maximum(10 * np.log10(f), POWER_FLOOR_DB), POWER_FLOOR_DB)


def features(x, s, speeds, min_snr_db):
    """The feature vectors (windows, 28) of the windows x (windows, N) float32 in g at speeds (rpm)."""
    xd = x.astype(np.float64)
    ax = np.abs(xd)
    rms = np.sqrt(np.mean(xd * xd, axis=1))
    peak = ax.max(axis=1)
    mean_abs = ax.mean(axis=1)
    kurt = scipy.stats.kurtosis(xd, axis=1, fisher=False, bias=True)
    skew = scipy.stats.skew(xd, axis=1, bias=True)

    X = sfft.rfft(x, axis=1, workers=1)
    Xw = sfft.rfft(x * s.hann, axis=1, workers=1)
    power = Xw.real.astype(np.float64) ** 2 + Xw.imag.astype(np.float64) ** 2
    vel = np.sqrt(power[:, s.vel_idx] @ s.vel_weight) * pp.G_MM_S2

    sk = pp.kurtogram(X, s)
    best = np.argmax(sk, axis=1)
    bins = [s.resolve(s.bands[j][4], s.bands[j][5]) for j in best]
    amp = pp.envelope_spectra(X, s, bins)

    # Power fractions of the Hann-tapered power spectrum in shaft-order bands and in the demodulated band.
    nbins = power.shape[1]
    cum = np.zeros((power.shape[0], nbins + 1))
    np.cumsum(power, axis=1, out=cum[:, 1:])
    rows = np.arange(power.shape[0])

    def band(low_hz, high_hz):
        first = np.maximum(FIRST_POWER_BIN, np.ceil(low_hz / s.bin_hz).astype(int))
        end = np.minimum(nbins - 1, np.ceil(high_hz / s.bin_hz).astype(int))
        return np.where(first < end, cum[rows, np.maximum(end, first)] - cum[rows, first], 0.0)

    total = cum[:, nbins - 1] - cum[:, FIRST_POWER_BIN]
    shaft = np.asarray(speeds) / 60.0
    low = np.array([b[0] for b in bins]) * s.bin_hz
    high = np.array([b[1] for b in bins]) * s.bin_hz

    f = np.zeros((x.shape[0], FEATURES))
    f[:, 0], f[:, 1] = level_db(rms), level_db(peak)
    f[:, 2] = peak / rms
    f[:, 3] = np.log(np.maximum(kurt, 1e-6))
    f[:, 4] = skew
    f[:, 5] = rms / mean_abs
    f[:, 6] = peak / mean_abs
    f[:, 7] = peak / np.mean(np.sqrt(ax), axis=1) ** 2
    f[:, 8] = level_db(vel)
    f[:, 9] = fraction_db(band(0.5 * shaft, 1.5 * shaft), total)
    f[:, 10] = fraction_db(band(1.5 * shaft, 2.5 * shaft), total)
    f[:, 11] = fraction_db(band(2.5 * shaft, 10.5 * shaft), total)
    f[:, 12] = fraction_db(band(low, high + s.bin_hz), total)
    f[:, 13] = np.log(2 + np.maximum(sk[rows, best], -1.0))
    for c in range(x.shape[0]):
        ev = pp.evidence(amp[c], s, speeds[c])
        rates = pp.defect_frequencies(s.bearing, speeds[c])
        col = 14
        for defect, modulation in (("outer_race", None), ("inner_race", "shaft"), ("ball", "cage"),
                                   ("cage", None)):
            lines = ev[defect]
            snr = [0.0 if m is None or not math.isfinite(m["snr_db"]) else m["snr_db"] for m in lines]
            f[c, col:col + 3] = snr
            col += 3
            if modulation:
                # Sidebands at each found harmonic +- the modulating rate; the best SNR (0: none checked).
                fm = rates[modulation]
                side = [pp.find_line(amp[c], s, m["bin"] * s.bin_hz + sign * fm, s.speed_tol * fm)
                        for m in lines if m is not None and m["snr_db"] >= min_snr_db for sign in (-1, 1)]
                side = [m["snr_db"] for m in side if m is not None and math.isfinite(m["snr_db"])]
                f[c, col] = max(side) if side else 0.0
                col += 1
    return f


def check_features(config):
    """Vigil's feature vectors of the configuration's check windows beside the peer's: (worst deviation per
    feature, problems)."""
    s = pp.Setup(config["analysis"])
    x = np.array([c["samples"] for c in config["check"]], dtype=np.float32)
    vigil = np.array([c["features"] for c in config["check"]])
    peer = features(x, s, [float(config["speed_rpm"])] * len(x), float(config["analysis"]["evidence"]["min_snr_db"]))
    impulsive = np.array([c["fault"] != "none" for c in config["check"]])
    worst, problems = {}, []
    for i, name in enumerate(FEATURE_NAMES):
        rows = impulsive if name in BAND_FEATURES else np.ones(len(x), dtype=bool)
        dev = np.abs(peer[rows, i] - vigil[rows, i])
        if name in RELATIVE:
            dev = dev / np.maximum(np.abs(vigil[rows, i]), 1e-12)
        worst[name] = float(dev.max()) if dev.size else None
        if name in tolerances() and dev.size and worst[name] > tolerances()[name]:
            problems.append(f"{name}: Vigil {vigil[:, i].round(3).tolist()}, peer {peer[:, i].round(3).tolist()}")
    return worst, problems


# ----------------------------------------------------------------------------------------------------
# Anomaly model and decisions.

class Detector:
    """Per channel: the first `baseline` feature vectors are the healthy baseline; alternate windows fit the
    standardiser and the Gaussian (mean, covariance + a small ridge for the constant features) and calibrate
    the threshold as the (1 - false_alarm_rate) quantile of their T^2."""

    def __init__(self, baseline, false_alarm_rate):
        self.baseline, self.far = baseline, false_alarm_rate
        self.rows = []
        self.peer = None
        self.threshold = math.inf

    def score(self, v):
        """(T^2 or None while commissioning, level)."""
        if self.peer is None:
            self.rows.append(v)
            if len(self.rows) == self.baseline:
                self._fit(np.array(self.rows))
            return None, "commissioning"
        t2 = self.peer.t2(v)
        return t2, "alarm" if t2 > self.threshold else "normal"

    def _fit(self, rows):
        fit, cal = rows[0::2], rows[1::2]
        centre = fit.mean(axis=0)
        scale = fit.std(axis=0)
        scale[scale <= 1e-9 * np.maximum(np.abs(centre), 1)] = 1.0
        z = (fit - centre) / scale
        cov = np.cov(z, rowvar=False) + 1e-3 * np.eye(rows.shape[1])
        self.peer = model_peer.Peer({"scaler": {"centre": centre, "scale": scale},
                                     "detector": {"mean": np.zeros(rows.shape[1]), "covariance": cov},
                                     "layers": []})
        self.threshold = float(np.quantile([self.peer.t2(v) for v in cal], 1 - self.far))
        self.rows = []


class DecisionLog:
    """One row per decision; rows go to SQLite in one transaction per flush (every 100 ms of the agent)."""

    def __init__(self, path):
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("CREATE TABLE IF NOT EXISTS decisions (id INTEGER PRIMARY KEY, node TEXT NOT NULL, "
                        "channel TEXT NOT NULL, window INTEGER NOT NULL, end_ns INTEGER NOT NULL, "
                        "rms_db REAL, kurtosis REAL, velocity_rms_db REAL, t2 REAL, threshold REAL, "
                        "level TEXT NOT NULL)")
        self.pending = []
        self.rows = 0
        self.last_flush = time.monotonic()

    def add(self, row):
        self.pending.append(row)

    def flush(self, force=False):
        now = time.monotonic()
        if not self.pending or (not force and now - self.last_flush < 0.1):
            return
        self.db.execute("BEGIN")
        self.db.executemany("INSERT INTO decisions (node, channel, window, end_ns, rms_db, kurtosis, "
                            "velocity_rms_db, t2, threshold, level) VALUES (?,?,?,?,?,?,?,?,?,?)", self.pending)
        self.db.execute("COMMIT")
        self.rows += len(self.pending)
        self.pending = []
        self.last_flush = now

    def close(self):
        self.flush(force=True)
        self.db.close()


class Agent:
    def __init__(self, config, db_path, baseline, false_alarm_rate):
        self.s = pp.Setup(config["analysis"])
        self.min_snr_db = float(config["analysis"]["evidence"]["min_snr_db"])
        self.speed_rpm = float(config["speed_rpm"])
        self.window = self.s.n
        self.hop = int(round(self.window * (1 - float(config["overlap"]))))
        self.baseline, self.far = baseline, false_alarm_rate
        self.channels = {}
        self.detectors = {}
        self.ready = []
        self.log = DecisionLog(db_path)
        self.refused = 0
        self.last_error = ""
        self.decisions = self.alarms = self.batches = 0

    def on_frame(self, topic, payload):
        try:
            node, channel, seq, first_ns, rate, samples = parse_frame(payload)
            if topic is not None and topic != f"vigil/raw/{node}/{channel}":
                raise FrameError(f"sensor frame: node {node} channel {channel} disagree with topic {topic}")
            if abs(rate - self.s.fs) > 1e-9 * self.s.fs:
                raise FrameError(f"sensor frame: {node}/{channel} at {rate} Hz, the analysis is for {self.s.fs} Hz")
        except FrameError as e:
            self.refused += 1
            self.last_error = str(e)
            return
        key = (node, channel)
        ch = self.channels.get(key)
        if ch is None:
            ch = self.channels[key] = Channel(key, rate, self.window, self.hop)
            self.detectors[key] = Detector(self.baseline, self.far)
        ch.push(seq, first_ns, samples, self.ready)

    def decide(self):
        """Analyses the ready windows in batches of at most one per channel and logs the decisions."""
        while self.ready:
            size = max(1, len(self.channels))
            batch, self.ready = self.ready[:size], self.ready[size:]
            self.batches += 1
            x = np.stack([w for _, _, _, w in batch])
            f = features(x, self.s, [self.speed_rpm] * len(batch), self.min_snr_db)
            for (ch, index, end_ns, _), v in zip(batch, f):
                det = self.detectors[ch.name]
                t2, level = det.score(v)
                self.alarms += level == "alarm"
                self.log.add((ch.name[0], ch.name[1], index, end_ns, float(v[0]), math.exp(v[3]), float(v[8]),
                              t2, None if t2 is None else det.threshold, level))
            self.decisions += len(batch)
        self.log.flush()

    def channel_seconds(self):
        return sum(c.samples / c.rate_hz for c in self.channels.values())

    def counters(self):
        return {"frames": sum(c.frames for c in self.channels.values()), "refused": self.refused,
                "last_refusal": self.last_error,
                "missing_frames": sum(c.missing_frames for c in self.channels.values()),
                "gaps": sum(c.gaps for c in self.channels.values()),
                "duplicates": sum(c.duplicates for c in self.channels.values()),
                "decisions": self.decisions, "alarms": self.alarms, "batches": self.batches,
                "rows_logged": self.log.rows}


# ----------------------------------------------------------------------------------------------------
# MQTT.

def mqtt_client(host, port, node, inbox):
    import paho.mqtt.client as mqtt  # noqa: PLC0415  (not needed for --help or the in-memory path)

    client = mqtt.Client(client_id=f"edge-peer-{node}-{os.getpid()}", clean_session=True)
    subscribed = []
    client.on_connect = lambda c, u, flags, rc: c.subscribe(f"vigil/raw/{node}/+", qos=0) if rc == 0 else None
    client.on_subscribe = lambda c, u, mid, granted: subscribed.append(granted)
    client.on_message = lambda c, u, m: inbox.put((m.topic, m.payload))
    client.connect(host, port, keepalive=30)
    client.loop_start()
    deadline = time.monotonic() + 10
    while not subscribed:
        if time.monotonic() > deadline:
            client.loop_stop()
            raise SystemExit(f"edge peer: no subscription on {host}:{port} within 10 s")
        time.sleep(0.01)
    return client


def drain(agent, inbox, timeout_s, record=None):
    """Takes every frame waiting (blocking up to timeout_s for the first) into the agent; True when any came."""
    try:
        item = inbox.get(timeout=timeout_s)
    except queue.Empty:
        return False
    while True:
        agent.on_frame(*item)
        if record is not None:
            record.append(item)
        try:
            item = inbox.get_nowait()
        except queue.Empty:
            return True


def run(args):
    with open(args.config) as fh:
        config = json.load(fh)
    host, _, port = args.broker.rpartition(":")
    agent = Agent(config, args.db, args.baseline_windows, args.false_alarm_rate)
    inbox = queue.SimpleQueue()
    stop = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.append(1))
    client = mqtt_client(host, int(port), args.node, inbox)
    print(f"edge peer: {args.node} on {args.broker}, decisions to {args.db}", file=sys.stderr)
    try:
        while not stop:
            drain(agent, inbox, 0.1)
            agent.decide()
            if args.seconds and agent.channels and min(c.samples for c in agent.channels.values()) >= \
                    args.seconds * agent.s.fs:
                break
    finally:
        client.loop_stop()
        client.disconnect()
        agent.decide()
        agent.log.close()
    print(f"edge peer: {json.dumps(agent.counters())}", file=sys.stderr)
    return 0


# ----------------------------------------------------------------------------------------------------
# The measurement.

class Processes:
    """The broker and the sensors this run started: stopped (SIGTERM, then SIGKILL after 5 s) and reaped on
    every exit path; they also die with this process (PR_SET_PDEATHSIG)."""

    def __init__(self):
        self.procs = []

    @staticmethod
    def _die_with_parent():
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    def start(self, argv, log):
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             preexec_fn=self._die_with_parent)
        self.procs.append(p)
        return p

    def stop_all(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        deadline = time.monotonic() + 5
        for p in self.procs:
            try:
                p.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = []


def start_broker(procs, work):
    """Mosquitto on 127.0.0.1 on a free port; the port once it accepts connections."""
    for _ in range(5):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        conf = os.path.join(work, "mosquitto.conf")
        with open(conf, "w") as fh:
            # No per-client queue limit: a slow subscriber is measured, not fed with holes.
            fh.write(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
                     "max_queued_messages 0\nmax_queued_bytes 0\n")
        broker = procs.start(["mosquitto", "-c", conf], open(os.path.join(work, "mosquitto.log"), "ab"))
        deadline = time.monotonic() + 10
        while broker.poll() is None and time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return port
            except OSError:
                time.sleep(0.05)
        procs.stop_all()  # it exited (the port was taken meanwhile) or never listened: another port
    raise SystemExit("edge peer: Mosquitto did not start (see mosquitto.log)")


def measure_mqtt(args, config, work, procs, port):
    """The agent fed by `vigil sensor` through the broker: (result, the frames received in order)."""
    agent = Agent(config, os.path.join(work, "mqtt.db"), args.baseline_windows, args.false_alarm_rate)
    inbox = queue.SimpleQueue()
    client = mqtt_client("127.0.0.1", port, args.node, inbox)
    frames = []
    speed_rpm = float(config["speed_rpm"])
    bearing = config["analysis"]["bearing"]["name"]
    try:
        cpu0, wall0 = time.process_time(), time.monotonic()
        sensors = []
        # Half the machines healthy, half with an outer-race defect that appears 5 s after the baseline and
        # grows to failure at the end of the run.
        baseline_s = ((args.baseline_windows - 1) * agent.hop + agent.window) / agent.s.fs
        onset = min(0.9, (baseline_s + 5) / args.seconds)
        for c in range(args.channels):
            fault = ["--fault", "none"] if c % 2 == 0 else ["--fault", "outer_race", "--life", str(args.seconds),
                                                            "--onset", f"{onset:.4f}"]
            sensors.append(procs.start([args.vigil, "sensor", "--node", args.node, "--channel", f"ch{c:02d}",
                                        "--bearing", bearing, "--rpm", str(speed_rpm), "--seed", str(100 + c),
                                        "--duration", str(args.seconds), "--speed", str(args.speed),
                                        "--broker", f"127.0.0.1:{port}", *fault],
                                       open(os.path.join(work, "sensors.log"), "ab")))
        quiet_since = None
        while True:
            got = drain(agent, inbox, 0.1, frames)
            agent.decide()
            done = all(p.poll() is not None for p in sensors)
            if got or not done:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > 1.0:  # every sensor has exited and nothing came for 1 s
                break
        agent.log.flush(force=True)
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        failed = [p.returncode for p in sensors if p.returncode != 0]
    finally:
        client.loop_stop()
        client.disconnect()
    agent.log.close()
    if failed:
        raise SystemExit(f"edge peer: {len(failed)} sensors failed (exit {failed}); see {work}/sensors.log")
    return result(agent, cpu, wall), frames


def measure_memory(args, config, work, frames):
    """The same frames, in the same order, from memory: MQTT and the broker out of the measurement."""
    agent = Agent(config, os.path.join(work, "memory.db"), args.baseline_windows, args.false_alarm_rate)
    cpu0, wall0 = time.process_time(), time.monotonic()
    for topic, payload in frames:
        agent.on_frame(topic, payload)
        if len(agent.ready) >= args.channels:  # a full batch: one window per channel
            agent.decide()
    agent.decide()
    agent.log.flush(force=True)
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    agent.log.close()
    return result(agent, cpu, wall)


def result(agent, cpu, wall):
    channel_s = agent.channel_seconds()
    return {"channel_s": channel_s, "cpu_s": cpu, "wall_s": wall,
            "channel_s_per_cpu_s": channel_s / cpu if cpu > 0 else None, **agent.counters()}


def bench(args):
    with open(args.config) as fh:
        config = json.load(fh)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})  # one core (the sensors and broker: any)
    check_frame_parser()
    worst, disagreements = check_features(config)
    work = tempfile.mkdtemp(prefix="vigil_edge_peer_")
    procs = Processes()

    def on_signal(sig, _frame):
        raise SystemExit(f"edge peer: stopped by signal {sig}")

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    try:
        port = start_broker(procs, work)
        mqtt, frames = measure_mqtt(args, config, work, procs, port)
        procs.stop_all()
        memory = measure_memory(args, config, work, frames)
    finally:
        procs.stop_all()
        shutil.rmtree(work, ignore_errors=True)
    expected_channel_s = args.channels * args.seconds
    problems = [f"features disagree with Vigil's: {p}" for p in disagreements]
    for name, r in (("mqtt", mqtt), ("memory", memory)):
        if r["refused"] or r["missing_frames"] or r["duplicates"] or abs(r["channel_s"] - expected_channel_s) > 1e-6:
            problems.append(f"{name}: {r['channel_s']:.1f} of {expected_channel_s} channel-s, {r['refused']} "
                            f"frames refused ({r['last_refusal']}), {r['missing_frames']} missing, "
                            f"{r['duplicates']} duplicates")
    import paho.mqtt  # noqa: PLC0415

    out = {"peer_channel_s_per_cpu_s_mqtt": mqtt["channel_s_per_cpu_s"],
           "peer_channel_s_per_cpu_s_memory": memory["channel_s_per_cpu_s"],
           "mqtt": mqtt, "memory": memory,
           "workload": {"channels": args.channels, "seconds": args.seconds, "sensor_speed": args.speed,
                        "sample_rate_hz": config["analysis"]["sample_rate_hz"],
                        "window_len": config["analysis"]["window_len"], "overlap": config["overlap"],
                        "baseline_windows": args.baseline_windows, "false_alarm_rate": args.false_alarm_rate},
           "python": sys.version.split()[0], "numpy": np.__version__, "scipy": pp.scipy.__version__,
           "paho_mqtt": paho.mqtt.__version__, "load_average": os.getloadavg(),
           "feature_agreement": {"windows": len(config["check"]), "worst_deviation": worst,
                                 "tolerance": tolerances(),
                                 "relative": sorted(RELATIVE)},
           "problems": problems}
    print(f"edge peer: MQTT-fed   {mqtt['channel_s']:.0f} channel-s in {mqtt['cpu_s']:.2f} CPU-s "
          f"({mqtt['wall_s']:.1f} s wall): {mqtt['channel_s_per_cpu_s']:.1f} channel-s per CPU-s")
    print(f"edge peer: from memory {memory['channel_s']:.0f} channel-s in {memory['cpu_s']:.2f} CPU-s: "
          f"{memory['channel_s_per_cpu_s']:.1f} channel-s per CPU-s")
    print(f"edge peer: {mqtt['decisions']} decisions ({mqtt['alarms']} alarms), {mqtt['frames']} frames, "
          f"load average {os.getloadavg()[0]:.2f}")
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(out, fh, indent=1)
    if problems:
        print("edge peer: FAILED\n  " + "\n  ".join(problems))
        return 1
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    sub = ap.add_subparsers(dest="command", required=True)
    for name in ("run", "bench"):
        p = sub.add_parser(name)
        p.add_argument("--config", required=True, help="CONFIG.json (edge_bench --peer_config=)")
        p.add_argument("--node", default="peer-node", help="sensor node id (topic vigil/raw/NODE/+)")
        p.add_argument("--baseline-windows", type=int, default=40, help="healthy windows per channel (40)")
        p.add_argument("--false-alarm-rate", type=float, default=0.01, help="of the threshold (0.01)")
        if name == "run":
            p.add_argument("--broker", default="127.0.0.1:1883", help="HOST:PORT")
            p.add_argument("--db", required=True, help="SQLite decision log")
            p.add_argument("--seconds", type=float, default=0, help="stop after this much signal per channel")
        else:
            p.add_argument("--vigil", required=True, help="the vigil CLI (for `vigil sensor`)")
            p.add_argument("--channels", type=int, default=16)
            p.add_argument("--seconds", type=float, default=60, help="seconds of signal per channel (60)")
            p.add_argument("--speed", type=float, default=8, help="sensor pace, x real time (8: faster than the agent)")
            p.add_argument("--out", help="write the result JSON here")
    args = ap.parse_args()
    if args.baseline_windows < 4:
        ap.error("--baseline-windows must be at least 4")
    return run(args) if args.command == "run" else bench(args)


if __name__ == "__main__":
    sys.exit(main())
