#!/usr/bin/env bash
# Vigil's benchmarks in one run (called by `make bench` after the build; see docs/benchmarks.md):
#   1. the per-hot-path Google Benchmarks (dsp_bench, sim_bench, diag_bench; short min_time);
#   2. pipeline_bench: N channels x 1 s windows through WindowAnalyzer on one core, beside the FFT floor
#      and a single FFT per window (median of repetitions, interleaved at random);
#   3. the numpy/scipy peer on the same signals (one core), which also checks agreement of the features;
#   4. BUILD_DIR/bench/pipeline.json: the figures, the ratios, the machine, the date, the command;
#   5. model_bench: learned-model latency per window (features, anomaly score, classifier, end to end)
#      beside its floors, and the numpy peer of the inference (bench/peer/model_peer.py), into
#      BUILD_DIR/bench/model.json;
#   6. edge_bench: the edge agent's pipeline for a 16-channel node at 25.6 kS/s (throughput per core, decide
#      latency, durable latency, memory, uplink bytes), into BUILD_DIR/bench/edge.json; then the Python agent
#      of the same pipeline (bench/peer/edge_peer.py: paho-mqtt fed by `vigil sensor` through a Mosquitto it
#      starts, and from memory), its rates and the ratios merged into edge.json.
#   7. hub_bench and hub_api_bench: the hub's ingest through a real Mosquitto beside the broker alone (as fast
#      as the edges can publish, and at a paced plant load), on SQLite and a throw-away PostgreSQL; the alarm
#      event from an edge's decision to a live API client; 5,000 live connections; a year of 1 s data
#      queried to 2,000 points; all into BUILD_DIR/bench/hub.json;
#   8. web_bench.mjs: the dashboard in Chromium against a real plant (bundle size, cold first load, edge
#      decision to screen, a 10,000-point chart), into BUILD_DIR/bench/web.json.
# Usage: scripts/bench.sh [BUILD_DIR] (default build). Env: BENCH_CHANNELS (8), BENCH_MIN_TIME (0.5 s for the
# pipeline, a third of it per hot path), BENCH_REPETITIONS (5), PEER_MIN_CPU_S (3).
# Exit status: non-zero when a program fails or the peer disagrees with our features; missed throughput
# targets are reported, not failed (the machine may be shared).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${1:-build}"
case "$BUILD_DIR" in /*) ;; *) BUILD_DIR="$ROOT/$BUILD_DIR" ;; esac
BENCH="$BUILD_DIR/bench"
CHANNELS="${BENCH_CHANNELS:-8}"
MIN_TIME="${BENCH_MIN_TIME:-0.5}"
REPETITIONS="${BENCH_REPETITIONS:-5}"
PEER_MIN_CPU_S="${PEER_MIN_CPU_S:-3}"
PYTHON=/usr/bin/python3  # Debian's numpy/scipy, not whatever python3 is first on PATH

for program in dsp_bench sim_bench diag_bench pipeline_bench model_bench edge_bench hub_bench hub_api_bench; do
  if [ ! -x "$BENCH/$program" ]; then
    echo "bench: $BENCH/$program is missing: configure with -DVIGIL_BUILD_BENCH=ON and build first" >&2
    exit 2
  fi
done
if ! "$PYTHON" -c 'import numpy, scipy' 2>/dev/null; then
  echo "bench: $PYTHON lacks numpy/scipy (apt-get install python3-numpy python3-scipy, or make deps)" >&2
  exit 2
fi
if [ ! -x "$BUILD_DIR/bin/vigil" ] || ! "$PYTHON" -c 'import paho.mqtt' 2>/dev/null; then
  echo "bench: the edge peer needs $BUILD_DIR/bin/vigil (build it) and paho-mqtt (apt-get install python3-paho-mqtt)" >&2
  exit 2
fi

started=$(date +%s)
hot_min_time=$(awk -v t="$MIN_TIME" 'BEGIN { printf "%.3g", t / 3 }')

echo "== per-hot-path benchmarks (min_time ${hot_min_time} s)"
for program in dsp_bench sim_bench diag_bench; do
  "$BENCH/$program" --benchmark_min_time="$hot_min_time" \
    --benchmark_out="$BENCH/$program.json" --benchmark_out_format=json
done

echo "== pipeline: $CHANNELS channels x 1 s windows, one core ($REPETITIONS repetitions of >= $MIN_TIME s)"
"$BENCH/pipeline_bench" --channels="$CHANNELS" --out_dir="$BENCH" \
  --benchmark_min_time="$MIN_TIME" --benchmark_repetitions="$REPETITIONS" \
  --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true \
  --benchmark_out="$BENCH/pipeline_bench.json" --benchmark_out_format=json

echo "== peer: numpy/scipy on the same signals, one core"
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are set on some processors to work around old OpenBLAS builds; they
# slow a current numpy, so they are unset for this command only.
peer_status=0
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
  "$PYTHON" "$ROOT/bench/peer/pipeline_peer.py" "$BENCH/pipeline_features.json" \
  --min-cpu-s "$PEER_MIN_CPU_S" --out "$BENCH/peer.json" || peer_status=$?

COMMAND="BENCH_CHANNELS=$CHANNELS BENCH_MIN_TIME=$MIN_TIME BENCH_REPETITIONS=$REPETITIONS scripts/bench.sh ${1:-build}"
"$PYTHON" - "$BENCH" "$peer_status" "$(( $(date +%s) - started ))" "$COMMAND" <<'PY'
import datetime, json, os, platform, sys

bench, peer_status, elapsed_s, command = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

def load(name):
    with open(os.path.join(bench, name)) as fh:
        return json.load(fh)

def medians(doc):
    """name -> benchmark entry (the median aggregate when repetitions ran, else the single run)."""
    out = {}
    for b in doc["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        out[b.get("run_name", b["name"])] = b
    return out

pipe_doc = load("pipeline_bench.json")
pipe = medians(pipe_doc)
rate = lambda name: pipe[name]["channel_s_per_core_s"]
vigil, floor, single = rate("pipeline/vigil"), rate("pipeline/fft_floor"), rate("pipeline/single_fft")
peer = load("peer.json") if os.path.exists(os.path.join(bench, "peer.json")) else {}
peer_rate = peer.get("peer_channel_s_per_core_s")

cpu_model, cores = "unknown", os.cpu_count()
with open("/proc/cpuinfo") as fh:
    for line in fh:
        if line.startswith("model name"):
            cpu_model = line.split(":", 1)[1].strip()
            break

hot = []
for name in ("dsp_bench", "sim_bench", "diag_bench"):
    for b in load(name + ".json")["benchmarks"]:
        hot.append({"program": name, "name": b["name"], "cpu_time": b["cpu_time"], "time_unit": b["time_unit"],
                    "items_per_second": b.get("items_per_second"), "bytes_per_second": b.get("bytes_per_second"),
                    "label": b.get("label", "")})

targets = {
    "vigil_channel_s_per_core_s >= 2000": vigil >= 2000,
    "vigil / peer >= 10": peer_rate is not None and vigil / peer_rate >= 10,
    "floor / vigil <= 1.6": floor / vigil <= 1.6,
}

# Each stage of analyze() alone (stage/*), microseconds per window, beside the FFTs it runs (same run).
channels = int(pipe_doc["context"]["channels"])
def us_per_window(name):
    b = pipe[name]
    scale = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "s": 1e6}[b["time_unit"]]
    return b["cpu_time"] * scale / channels
stage_floor = {"stage/window_fft": "pipeline/single_fft", "stage/kurtogram": "pipeline/fft_floor_kurtogram",
               "stage/envelope": "pipeline/fft_floor_envelope"}
stages = {}
for name in ("stage/time_stats", "stage/window_fft", "stage/velocity", "stage/kurtogram", "stage/envelope",
             "stage/evidence"):
    if name not in pipe:
        continue
    entry = {"us_per_window": us_per_window(name)}
    if name in stage_floor:
        entry["floor_us_per_window"] = us_per_window(stage_floor[name])
        entry["gap_us_per_window"] = entry["us_per_window"] - entry["floor_us_per_window"]
    else:
        entry["floor_us_per_window"] = 0.0
        entry["gap_us_per_window"] = entry["us_per_window"]
    stages[name.split("/", 1)[1]] = entry
stages_total = {"stages_us_per_window": sum(v["us_per_window"] for v in stages.values()),
                "pipeline_us_per_window": us_per_window("pipeline/vigil"),
                "floor_us_per_window": us_per_window("pipeline/fft_floor")}
result = {
    "vigil_channel_s_per_core_s": vigil,
    "peer_channel_s_per_core_s": peer_rate,
    "fft_floor_channel_s_per_core_s": floor,
    "single_fft_channel_s_per_core_s": single,
    "ratios": {
        "vigil_over_peer": vigil / peer_rate if peer_rate else None,
        "floor_over_vigil": floor / vigil,
        "single_fft_over_vigil": single / vigil,
    },
    "ns_per_sample": {"vigil": pipe["pipeline/vigil"]["ns_per_sample"],
                      "fft_floor": pipe["pipeline/fft_floor"]["ns_per_sample"],
                      "single_fft": pipe["pipeline/single_fft"]["ns_per_sample"],
                      "peer": peer.get("peer_ns_per_sample")},
    "floor_breakdown_channel_s_per_core_s": {
        "kurtogram_ffts": rate("pipeline/fft_floor_kurtogram"),
        "envelope_ffts": rate("pipeline/fft_floor_envelope"),
        "window_fft": single,
    },
    "diagnostics_channel_s_per_core_s": {k: v["channel_s_per_core_s"] for k, v in pipe.items()
                                         if k.startswith("diagnostic/")},
    "stages": stages,
    "stages_total": stages_total,
    "targets": targets,
    "agreement": {"result": peer.get("agreement", "not run"), "peer_exit_status": peer_status,
                  "problems": peer.get("problems", []), "tolerances": peer.get("tolerances"),
                  "worst_deviation": peer.get("worst_deviation")},
    "workload": {k: pipe_doc["context"].get(k) for k in ("channels", "window_len", "sample_rate_hz", "fftw",
                                                         "fft_floor_transforms")},
    "statistic": f"median of {pipe['pipeline/vigil'].get('repetitions', 1)} repetitions (Google Benchmark CPU "
                 "time of the benchmark thread); peer: median CPU time (time.process_time) per batch",
    "peer_environment": {k: peer.get(k) for k in ("python", "numpy", "scipy", "blas", "env")},
    "machine": {"cpu_model": cpu_model, "cores": cores, "kernel": platform.release(),
                "load_average": os.getloadavg()},
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "command": command,
    "elapsed_s": elapsed_s,
    "hot_paths": hot,
}
with open(os.path.join(bench, "pipeline.json"), "w") as fh:
    json.dump(result, fh, indent=1)

print("\n== summary (channel-seconds of signal per core-second; higher is faster)")
print(f"  vigil pipeline      {vigil:10.0f}   {result['ns_per_sample']['vigil']:6.2f} ns/sample")
print(f"  FFT floor           {floor:10.0f}   (the pipeline's own FFTs; floor/vigil = {floor / vigil:.2f})")
print(f"  single FFT          {single:10.0f}   (one r2c per window; single/vigil = {single / vigil:.2f})")
if peer_rate:
    print(f"  numpy/scipy peer    {peer_rate:10.0f}   (vigil/peer = {vigil / peer_rate:.2f})")
print("  per stage, us per window (CPU): stage / its FFT floor / gap")
for name, v in stages.items():
    print(f"    {name:<12} {v['us_per_window']:8.1f} {v['floor_us_per_window']:8.1f} {v['gap_us_per_window']:8.1f}")
print(f"    {'sum':<12} {stages_total['stages_us_per_window']:8.1f}   (pipeline {stages_total['pipeline_us_per_window']:.1f}, "
      f"floor {stages_total['floor_us_per_window']:.1f})")
print(f"  agreement with peer: {result['agreement']['result']}")
for name, ok in targets.items():
    print(f"  target {name:<38} {'met' if ok else 'MISSED'}")
print(f"  machine: {cpu_model}, {cores} cores, load average {os.getloadavg()[0]:.2f}; {elapsed_s} s; "
      f"written {os.path.join(bench, 'pipeline.json')}")
PY

echo "== learned models: latency per window, one core ($REPETITIONS repetitions of >= $MIN_TIME s)"
"$BENCH/model_bench" --out_dir="$BENCH" \
  --benchmark_min_time="$MIN_TIME" --benchmark_repetitions="$REPETITIONS" \
  --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true \
  --benchmark_out="$BENCH/model_bench.json" --benchmark_out_format=json
model_peer_status=0
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
  "$PYTHON" "$ROOT/bench/peer/model_peer.py" "$BENCH/model_peer_input.json" \
  --min-cpu-s "$PEER_MIN_CPU_S" --out "$BENCH/model_peer.json" || model_peer_status=$?
"$PYTHON" - "$BENCH" "$model_peer_status" "$COMMAND" <<'PY'
import datetime, json, os, sys

bench, peer_status, command = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(os.path.join(bench, "model_bench.json")) as fh:
    doc = json.load(fh)
us = {}
for b in doc["benchmarks"]:
    if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
        continue
    us[b.get("run_name", b["name"])] = b["us_per_window"]
peer = {}
if os.path.exists(os.path.join(bench, "model_peer.json")):
    with open(os.path.join(bench, "model_peer.json")) as fh:
        peer = json.load(fh)
inference = us["model/inference_and_scoring"]
peer_us = peer.get("peer_us_per_window")
result = {
    "us_per_window": us,
    "peer_us_per_window": peer_us,
    "ratios": {"peer_over_vigil_inference": peer_us / inference if peer_us else None,
               "vigil_inference_over_dense_floor": inference / us["floor/dense_arithmetic"],
               "features_over_window_fft": us["model/features"] / us["floor/window_fft"],
               "window_over_features": us["model/window_end_to_end"] / us["model/features"]},
    "targets": {"inference + scoring <= 50 us": inference <= 50,
                "whole window <= 25 us": us["model/window_end_to_end"] <= 25},
    "agreement": {"result": peer.get("agreement", "not run"), "peer_exit_status": peer_status,
                  "problems": peer.get("problems", []), "worst_deviation": peer.get("worst_deviation")},
    "context": {k: doc["context"].get(k) for k in ("window", "classifier", "host_name", "num_cpus")},
    "load_average": os.getloadavg(),
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "command": command,
}
with open(os.path.join(bench, "model.json"), "w") as fh:
    json.dump(result, fh, indent=1)
print("\n== learned models, microseconds per window (median)")
for name in ("model/features", "model/anomaly_score", "model/classify", "model/inference_and_scoring",
             "model/window_end_to_end", "floor/window_fft", "floor/dense_arithmetic", "model/classifier_graph",
             "reference/classifier_graph_opencv"):
    if name in us:
        print(f"  {name:<34} {us[name]:8.2f}")
if peer_us:
    print(f"  {'numpy peer (T^2 + classifier)':<30} {peer_us:8.2f}   (peer/vigil = {peer_us / inference:.1f})")
print(f"  agreement with peer: {result['agreement']['result']}")
for name, ok in result["targets"].items():
    print(f"  target {name:<38} {'met' if ok else 'MISSED'}")
print(f"  written {os.path.join(bench, 'model.json')}")
PY

echo "== edge node: 16 channels at 25.6 kS/s through the agent's pipeline, log and queue"
"$BENCH/edge_bench" --channels=16 --throughput_s=20 --paced_s=20 --out="$BENCH/edge.json" \
  --peer_config="$BENCH/edge_peer_config.json"
echo "== edge peer: a Python agent of the same pipeline (paho-mqtt, numpy/scipy, sqlite3), one core"
edge_peer_status=0
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
  "$PYTHON" "$ROOT/bench/peer/edge_peer.py" bench --vigil "$BUILD_DIR/bin/vigil" \
  --config "$BENCH/edge_peer_config.json" --out "$BENCH/edge_peer.json" || edge_peer_status=$?
"$PYTHON" - "$BENCH" "$edge_peer_status" <<'PY'
import json, os, sys

bench, status = sys.argv[1], int(sys.argv[2])
with open(os.path.join(bench, "edge.json")) as fh:
    edge = json.load(fh)
peer = {}
if os.path.exists(os.path.join(bench, "edge_peer.json")):
    with open(os.path.join(bench, "edge_peer.json")) as fh:
        peer = json.load(fh)
ours = edge["realtime_channels_per_core"]
mqtt, memory = peer.get("peer_channel_s_per_cpu_s_mqtt"), peer.get("peer_channel_s_per_cpu_s_memory")
edge["python_peer"] = {"channel_s_per_cpu_s_mqtt": mqtt, "channel_s_per_cpu_s_memory": memory,
                       "exit_status": status, "problems": peer.get("problems", ["not run"]),
                       "detail": "edge_peer.json"}
edge["realtime_channels_per_core_over_python_peer"] = {"mqtt": ours / mqtt if mqtt else None,
                                                       "memory": ours / memory if memory else None}
with open(os.path.join(bench, "edge.json"), "w") as fh:
    json.dump(edge, fh, indent=2)
print("\n== edge node, channel-seconds decided per CPU-second")
print(f"  vigil-edge pipeline        {ours:8.0f}")
for name, rate in (("Python peer, fed by MQTT", mqtt), ("Python peer, from memory", memory)):
    if rate:
        print(f"  {name:<26} {rate:8.1f}   (vigil / peer = {ours / rate:.1f})")
print(f"  written {os.path.join(bench, 'edge.json')}")
PY

echo "== hub: ingest beside the broker alone, alert to a live client, live connections, a year's query"
"$BENCH/hub_bench" --nodes 20 --messages 2000 --peer "$ROOT/bench/peer/hub_peer.py" --out "$BENCH/hub_capacity.json"
"$BENCH/hub_bench" --nodes 30 --messages 1000 --rate 100 --peer "$ROOT/bench/peer/hub_peer.py" --out "$BENCH/hub_paced.json"
"$BENCH/hub_api_bench" --connections=5000 --live_s=20 --fill_days=365 --queries=200 --out="$BENCH/hub_api.json"
"$PYTHON" - "$BENCH" <<'PY'
import json, os, sys
bench = sys.argv[1]
load = lambda name: json.load(open(os.path.join(bench, name)))
capacity, paced, api = load("hub_capacity.json"), load("hub_paced.json"), load("hub_api.json")
hub = {
    # A paced plant load (30 nodes x 100 DDATA/s x 10 metrics): what the hub stores of what the broker delivers.
    "ingest_metrics_per_s": paced["ingest_metrics_per_s"],
    "ingest_metrics_per_s_postgres": paced.get("ingest_metrics_per_s_postgres"),
    "ingest_ratio": paced["ingest_ratio"],
    "ingest_ratio_postgres": paced.get("ingest_ratio_postgres"),
    # As fast as 20 nodes can publish: each one's ceiling.
    "capacity_metrics_per_s": capacity["ingest_metrics_per_s"],
    "capacity_metrics_per_s_postgres": capacity.get("ingest_metrics_per_s_postgres"),
    "broker_capacity_metrics_per_s": capacity["broker_delivery_metrics_per_s"],
    "capacity_ratio": capacity["ingest_ratio"],
    # The same streams through a Python host (paho-mqtt, protobuf, sqlite3): bench/peer/hub_peer.py.
    "peer_python_metrics_per_s_capacity": capacity.get("peer_python_metrics_per_s"),
    "peer_python_ratio_paced": paced.get("peer_python_ratio"),
    "hub_over_python_capacity": capacity.get("hub_over_peer"),
    "alert_to_client_p50_ms": paced["alert_to_client_p50_ms"],
    "alert_to_client_p99_ms": paced["alert_to_client_p99_ms"],
    "api": api,
    "runs": {"capacity": capacity, "paced": paced},
}
json.dump(hub, open(os.path.join(bench, "hub.json"), "w"), indent=2)
print(f"  ingest at a paced load: {hub['ingest_metrics_per_s']:.0f} metrics/s, ratio {hub['ingest_ratio']:.2f}")
print(f"  capacity: hub {hub['capacity_metrics_per_s']:.0f}, broker alone {hub['broker_capacity_metrics_per_s']:.0f} metrics/s")
print(f"  alert to client p99 {hub['alert_to_client_p99_ms']:.1f} ms; written {os.path.join(bench, 'hub.json')}")
PY

echo "== dashboard: bundle, cold first load, edge decision to screen, a 10,000-point chart (Chromium)"
node "$ROOT/bench/web_bench.mjs" --build "$BUILD_DIR" --out "$BENCH/web.json"

if [ "$peer_status" -ne 0 ]; then
  echo "bench: the peer disagrees with our features (exit $peer_status); see $BENCH/peer.json" >&2
  exit "$peer_status"
fi
if [ "$edge_peer_status" -ne 0 ]; then
  echo "bench: the Python edge peer failed (exit $edge_peer_status); see $BENCH/edge_peer.json" >&2
  exit "$edge_peer_status"
fi
if [ "$model_peer_status" -ne 0 ]; then
  echo "bench: the numpy peer disagrees with our model outputs (exit $model_peer_status); see $BENCH/model_peer.json" >&2
  exit "$model_peer_status"
fi

