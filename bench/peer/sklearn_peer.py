#!/usr/bin/python3
"""scikit-learn peer of Vigil's learned CWRU evaluation (vigil eval cwru --model classifier).

It reads the labelled feature windows Vigil wrote (--features-csv: metadata + the 44 features of the
classifier vector, schema 2, per 4096-sample window at 12 kHz), so both sides learn from exactly the same numbers, and repeats the same
splits by recording metadata:

  by-load  leave one motor load out (4 folds)     by-size  leave one defect diameter out (3 folds)

Task: fault type (inner_race / outer_race / ball) on the fault recordings, Vigil's `fault_type` figures (its
top-level figures are the 4-class product decision, gated by its anomaly model, which has no peer here). The
one healthy recording (97.mat) is split by TIME for the anomaly ROC: its disjoint windows that end before 3/4
of its length fit, those starting after it test (the same 3 test windows as Vigil's), because it cannot be on
both sides of a split by recording.

Inputs: --features all | window | no-levels | family | no-levels+family | envelope | a comma-separated list
of schema names, the same sets as Vigil's recipe (window: the 28 window features; no-levels drops rms_db,
peak_db, velocity_rms_db from them; family: the 16 defect-family shares, *_share; envelope keeps the
*_snr_db features).

Peers (scikit-learn defaults, nothing tuned on the test folds):
  * RandomForestClassifier(n_estimators=300, class_weight="balanced", random_state=0)
  * SVC(kernel="rbf", C=1, gamma="scale", class_weight="balanced") after StandardScaler
  Both train on every training-side recording (Vigil's MLP holds some of them back for early stopping).
  * anomaly: median / 1.4826 MAD scaling, Ledoit-Wolf covariance, squared Mahalanobis distance; ROC AUC of
    the held-out healthy windows against the fold's test fault windows (pooled: against all fault windows).

Usage:
  sklearn_peer.py peer FEATURES.csv --split by-load|by-size [--features SET] [--json]
  sklearn_peer.py compare --vigil build/bin/vigil --catalog ../shared/data/cwru/catalog.csv [--features SET]
          [-- EXTRA VIGIL ARGS]
      runs our CLI for both splits (writing the CSV), then the peers on the same inputs, and prints a table.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from sklearn.covariance import LedoitWolf
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

CLASSES = ["inner_race", "outer_race", "ball"]
META = ["recording", "fault", "load_hp", "fault_diameter_in", "speed_rpm", "start_sample"]


LEVELS = {"rms_db", "peak_db", "velocity_rms_db"}


def is_family(name):
    """The defect-family shares of feature schema 2 (sk_*_share, cpw_*_share)."""
    return name.endswith("_share")


def select_features(names, features):
    """Column indices of the feature set (see the module docstring), in schema order."""
    if features == "all":
        return list(range(len(names)))
    if features == "window":
        return [i for i, n in enumerate(names) if not is_family(n)]
    if features == "no-levels":
        return [i for i, n in enumerate(names) if n not in LEVELS and not is_family(n)]
    if features == "family":
        return [i for i, n in enumerate(names) if is_family(n)]
    if features == "no-levels+family":
        return [i for i, n in enumerate(names) if n not in LEVELS]
    if features == "envelope":
        return [i for i, n in enumerate(names) if n.endswith("_snr_db")]
    wanted = features.split(",")
    missing = [w for w in wanted if w not in names]
    if missing:
        raise SystemExit(f"--features: not in the CSV's schema: {missing}")
    return sorted(names.index(w) for w in wanted)


def read_windows(path):
    with open(path, newline="") as f:
        all_lines = list(f)
    lines = [line for line in all_lines if not line.startswith("#")]
    window_len = 4096
    for line in all_lines:
        if line.startswith("#") and "window_len=" in line:
            window_len = int(line.split("window_len=")[1].split()[0])
    reader = csv.reader(lines)
    header = next(reader)
    if header[: len(META)] != META:
        raise SystemExit(f"{path}: unexpected header {header[:len(META)]}")
    rows = list(reader)
    meta = {name: [r[i] for r in rows] for i, name in enumerate(META)}
    x = np.array([[float(v) for v in r[len(META):]] for r in rows], dtype=np.float64)
    return meta, x, header[len(META):], window_len


def folds(meta, split):
    fault = np.array(meta["fault"])
    key = np.array([float(v) for v in meta["load_hp" if split == "by-load" else "fault_diameter_in"]])
    is_fault = fault != "normal"
    out = []
    for held in sorted(set(key[is_fault])):
        test = np.where(is_fault & (key == held))[0]
        train = np.where(is_fault & (key != held))[0]
        recs_test = {meta["recording"][i] for i in test}
        recs_train = {meta["recording"][i] for i in train}
        assert not (recs_test & recs_train), "a recording on both sides"
        name = f"load {held:g} hp" if split == "by-load" else f"size {held:g} in"
        out.append((name, held, train, test))
    return out


def anomaly_scores(meta, x, window_len):
    fault = np.array(meta["fault"])
    healthy = np.where(fault == "normal")[0]
    start = np.array([int(v) for v in meta["start_sample"]])
    healthy = healthy[np.argsort(start[healthy], kind="stable")]
    first, end = start[healthy[0]], start[healthy[-1]] + window_len
    cut = first + 0.75 * (end - first)
    fit = healthy[start[healthy] + window_len <= cut]
    held = healthy[start[healthy] >= cut]
    centre = np.median(x[fit], axis=0)
    scale = 1.4826 * np.median(np.abs(x[fit] - centre), axis=0)
    sd = x[fit].std(axis=0, ddof=1)
    scale = np.where(scale > 1e-9 * np.maximum(1, np.abs(centre)), scale, sd)
    scale = np.where(scale > 1e-9 * np.maximum(1, np.abs(centre)), scale, 1.0)
    z = (x - centre) / scale
    lw = LedoitWolf().fit(z[fit])
    return lw.mahalanobis(z), held, len(fit)


def auc(scores, healthy, fault_rows):
    y = np.r_[np.zeros(len(healthy)), np.ones(len(fault_rows))]
    return float(roc_auc_score(y, np.r_[scores[healthy], scores[fault_rows]]))


def models():
    return {
        "random_forest": lambda: RandomForestClassifier(n_estimators=300, class_weight="balanced", random_state=0,
                                                        n_jobs=1),
        "svm_rbf": lambda: make_pipeline(StandardScaler(), SVC(kernel="rbf", C=1.0, gamma="scale",
                                                               class_weight="balanced")),
    }


def run_peer(csv_path, split, features="all"):
    meta, x_all, names, window_len = read_windows(csv_path)
    y = np.array([CLASSES.index(f) if f in CLASSES else -1 for f in meta["fault"]])
    scores, healthy_test, n_fit = anomaly_scores(meta, x_all, window_len)  # the anomaly model reads every feature
    x = x_all[:, select_features(names, features)]
    result = {"split": split, "windows": int(len(y)), "task": "fault type: inner_race, outer_race, ball",
              "features": features, "feature_count": int(x.shape[1])}
    all_fault = []
    fold_list = folds(meta, split)
    for name, make in models().items():
        truth, pred, per_fold = [], [], []
        started = time.perf_counter()
        for fold_name, held, train, test in fold_list:
            clf = make().fit(x[train], y[train])
            p = clf.predict(x[test])
            truth.append(y[test])
            pred.append(p)
            per_fold.append({"name": fold_name, "held_out": held, "accuracy": float(accuracy_score(y[test], p)),
                             "macro_f1": float(f1_score(y[test], p, average="macro")),
                             "anomaly_auc": auc(scores, healthy_test, test)})
        t, p = np.concatenate(truth), np.concatenate(pred)
        cm = confusion_matrix(t, p, labels=[0, 1, 2])
        result[name] = {
            "accuracy": float(accuracy_score(t, p)),
            "macro_f1": float(f1_score(t, p, average="macro")),
            "confusion": {CLASSES[i]: {CLASSES[j]: int(cm[i, j]) for j in range(3)} for i in range(3)},
            "folds": per_fold,
            "fit_predict_s": time.perf_counter() - started,
        }
    all_fault = np.concatenate([test for _, _, _, test in fold_list])
    result["anomaly_auc"] = auc(scores, healthy_test, all_fault)
    result["anomaly"] = {"healthy_fit_windows": int(n_fit), "healthy_test_windows": int(len(healthy_test)),
                         "fault_windows": int(len(all_fault))}
    return result


def print_peer(r):
    print(f"scikit-learn peer, split {r['split']}: {r['task']}, {r['windows']} windows, inputs {r['features']} "
          f"({r['feature_count']} features)")
    for name in models():
        m = r[name]
        print(f"\n{name}")
        for f in m["folds"]:
            print(f"  {f['name']:<15} accuracy {f['accuracy']:.4f}  macro-F1 {f['macro_f1']:.4f}  "
                  f"anomaly AUC {f['anomaly_auc']:.4f}")
        print(f"  pooled          accuracy {m['accuracy']:.4f}  macro-F1 {m['macro_f1']:.4f}")
    print(f"\nanomaly AUC (LedoitWolf Mahalanobis, healthy fit {r['anomaly']['healthy_fit_windows']} / "
          f"test {r['anomaly']['healthy_test_windows']} windows): {r['anomaly_auc']:.4f}")


def compare(vigil, catalog, features, extra):
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        for split in ("by-load", "by-size"):
            csv_path = os.path.join(tmp, f"windows_{split}.csv")
            started = time.perf_counter()
            out = subprocess.run([vigil, "eval", "cwru", catalog, "--model", "classifier", "--split", split,
                                  "--json", "--features-csv", csv_path, "--features", features] + extra,
                                 check=True, capture_output=True, text=True)
            ours_s = time.perf_counter() - started
            ours = json.loads(out.stdout)
            peer = run_peer(csv_path, split, features)
            t = ours["fault_type"]
            lines.append((split, "vigil MLP (libtorch)", t["accuracy"], t["macro_f1"], ours["anomaly_auc"], ours_s,
                          [f["fault_type"]["accuracy"] for f in ours["folds"]]))
            for name, label in (("random_forest", "sklearn RandomForest"), ("svm_rbf", "sklearn SVM (RBF)")):
                m = peer[name]
                lines.append((split, label, m["accuracy"], m["macro_f1"], peer["anomaly_auc"], m["fit_predict_s"],
                              [f["accuracy"] for f in m["folds"]]))
            lines.append((split, "vigil 4-class product decision", ours["accuracy"], ours["macro_f1"],
                          ours["anomaly_auc"], ours_s, [f["accuracy"] for f in ours["folds"]]))
    print(f"inputs: {features}; vigil extra arguments: {' '.join(extra) or '(none)'}\n")
    print("| split | model | accuracy | macro-F1 | anomaly AUC | per-fold accuracy | time (s) |")
    print("| --- | --- | ---: | ---: | ---: | --- | ---: |")
    for split, label, acc, f1, a, s, per_fold in lines:
        folds_text = " / ".join(f"{v:.3f}" for v in per_fold)
        print(f"| {split} | {label} | {acc:.4f} | {f1:.4f} | {a:.4f} | {folds_text} | {s:.1f} |")
    print("\nFault type (3 classes, argmax) unless marked 4-class. vigil time: whole CLI run (read, decimate, "
          "features, anomaly model, train every fold); sklearn time: fit + predict of the folds on the CSV features. "
          "Anomaly AUC: Vigil's Gaussian T^2 vs the peer's LedoitWolf Mahalanobis on the same 3 healthy test "
          "windows of 97.mat.")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("peer", help="run the peers on a features CSV")
    p.add_argument("features_csv")
    p.add_argument("--split", choices=["by-load", "by-size"], default="by-size")
    p.add_argument("--features", default="all")
    p.add_argument("--json", action="store_true")
    c = sub.add_parser("compare", help="run vigil and the peers on both splits, print a table")
    c.add_argument("--vigil", required=True)
    c.add_argument("--catalog", required=True)
    c.add_argument("--features", default="family")
    c.add_argument("extra", nargs="*", help="further vigil eval arguments (after --)")
    args = parser.parse_args()
    if args.command == "peer":
        r = run_peer(args.features_csv, args.split, args.features)
        if args.json:
            print(json.dumps(r, indent=2))
        else:
            print_peer(r)
    else:
        compare(args.vigil, args.catalog, args.features, args.extra)
    return 0


if __name__ == "__main__":
    sys.exit(main())
