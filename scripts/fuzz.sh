#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (when available) and runs them.
#   fuzz.sh smoke   short run of every target (part of `make test`; FUZZ_SECONDS default 5)
#   fuzz.sh run     longer run of every target (FUZZ_SECONDS each, default 60)
# Build folder: $FUZZ_BUILD_DIR (default build-fuzz beside the sources). Seed corpora are generated
# here at run time (nothing is committed); a crash leaves its input in $FUZZ_BUILD_DIR/artifacts.
set -euo pipefail

mode=${1:-smoke}
case "$mode" in
  smoke) seconds=${FUZZ_SECONDS:-5} ;;
  run) seconds=${FUZZ_SECONDS:-60} ;;
  *) echo "usage: $0 smoke|run" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
data=${VIGIL_DATA_DIR:-$root/../shared/data}
targets=(fuzz_mat fuzz_femto fuzz_ims fuzz_csv_signal fuzz_catalog fuzz_bundle fuzz_sensor_frame fuzz_sparkplug
  fuzz_feature_cache fuzz_hub_session fuzz_hub_what_if)
targets+=(fuzz_hub_alarm_inputs)
targets+=(fuzz_hub_api)

cxx=${FUZZ_CXX:-clang++}
if ! command -v "$cxx" >/dev/null 2>&1; then
  echo "fuzz: SKIPPED: $cxx not found (libFuzzer needs clang; install clang and libclang-rt-dev)"
  exit 0
fi

echo "fuzz: building ${targets[*]} with $cxx in $build"
mkdir -p "$build"
# -g1: line tables are all a sanitizer report needs (file:line in every frame); 9 % less compile time than -g.
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" \
  -DCMAKE_CXX_COMPILER="$cxx" -DVIGIL_BUILD_FUZZ=ON -DVIGIL_BUILD_TESTS=OFF -DVIGIL_BUILD_BENCH=OFF \
  >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log"; exit 1; }
cmake --build "$build" -j "${JOBS:-2}" --target "${targets[@]}" fuzz_mat_seeds fuzz_bundle_seeds

# ---- seed corpora: tiny valid inputs of each format --------------------------------------------
corpus=$build/corpus
rm -rf "$corpus"
mkdir -p "$build/artifacts"
for t in "${targets[@]}"; do mkdir -p "$corpus/$t"; done

printf '9,39,39,65664,0.552,-0.146\n9,39,39,65703,0.501,-0.48\n9,39,39,1.6562e+005,0.138,0.435\n' \
  >"$corpus/fuzz_femto/acc.csv"
printf '10;5;2;4.2504e+05;0,1;-0,2\r\n10;5;2;8.6566e+005;+1.5;0\r\n' >"$corpus/fuzz_femto/semicolon.csv"
printf '9,40,47,5,70.378\n9,40,47,6,70.397\n' >"$corpus/fuzz_femto/temp.csv"
printf -- '-0.049\t-0.071\t-0.132\t-0.010\n-0.042\t-0.073\t-0.007\t-0.105\n' >"$corpus/fuzz_ims/four.txt"
printf -- '-0.022\t-0.039\t-0.183\t-0.054\t-0.105\t-0.134\t-0.129\t-0.142\r\n1 2 3 4 5 6 7 8\n' \
  >"$corpus/fuzz_ims/eight.txt"
printf '2004.02.12.10.32.39' >"$corpus/fuzz_ims/name.txt"
printf 'accel_g\n0.5\n-1.25\n2e-3\n' >"$corpus/fuzz_csv_signal/one.csv"
printf 'time_s,value\n0,1\n0.00025,2\n0.0005,3\n' >"$corpus/fuzz_csv_signal/two.csv"
printf '0\t1\r\n0.5\t2\r\n' >"$corpus/fuzz_csv_signal/tab.csv"
printf 'path,sample_rate_hz,channel,bearing,fault,rpm,load_hp,fault_diameter_in\n97.mat,48000,DE,6205-2RS,normal,1796,0,0\n105.mat,12000,DE,6205-2RS,inner_race,1797,0,0.007\nx.mat,12000,FE,6203-2RS,outer_race,,3,0.021\n' \
  >"$corpus/fuzz_catalog/catalog.csv"
# The example frame of docs/formats/sensor-frame.md (int16, 4 samples).
printf '\x56\x47\x53\x46\x01\x01\x01\x00\x2a\x00\x00\x00\x00\x00\x00\x00\x00\x00\xca\x67\xa7\xfc\x7a\x18\x00\x00\x00\x00\x00\x00\xd9\x40\x6f\x12\x83\x3a\x04\x00\x00\x00\x06\x02pump-7DE\x00\x00\xf4\x01\x1e\xfb\xd0\x07\xf9\xa2\x01\xbf' \
  >"$corpus/fuzz_sensor_frame/doc_example.bin"
# Sparkplug: the first byte picks the parser (0 payload, 1 STATE, 2 Uplink/Ack, 3 topic, 4 spectrum).
printf '\x00\x08\x01\x12\x09\x0A\x01a\x10\x01\x20\x04\x58\x05\x18\x00' >"$corpus/fuzz_sparkplug/nbirth"
printf '\x01{"online":true,"timestamp":1700000000000}' >"$corpus/fuzz_sparkplug/state"
printf '\x02\x01\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00' \
  >"$corpus/fuzz_sparkplug/ack"
printf '\x03spBv1.0/plant/DDATA/line-4/pump-7' >"$corpus/fuzz_sparkplug/topic"
printf '\x04VSPC\x01\x02\x02\x00\x00\x00\x00\x3F\x00\x00\x00\x00\x00\x00\x80\x3F\x08\x07\x06\x05\x04\x03\x02\x01\x01\x00\x00\x00\xFF\x7F\xFF\xFF\x02\x01\x01\x00\x00\x00\xD7\x42\x00\x00\x80\x3F\x00\x00\xC0\x40' \
  >"$corpus/fuzz_sparkplug/spectrum"
# A feature cache of two snapshots (eval/feature_cache.hpp); its key is read from the input.
printf '{"key":{"snapshots":2},"time_s":[0,10],"log_features":[[-1.5,1.1],[-1.4,1.2]],"schema":[%s,%s]}' \
  "[$(seq -s, 1 28)]" "[$(seq -s, 2 29)]" >"$corpus/fuzz_feature_cache/two.json"
# NBIRTH of node a (seq 0, bdSeq 0), DBIRTH of its device d (seq 1, Double "x" alias 5), DDATA (seq 2, alias 5).
printf '\x00\x00\x0f\x00\x18\x00\x12\x0b\x0a\x05bdSeq\x20\x04\x58\x00\x03\x00\x14\x00\x18\x01\x12\x10\x0a\x01x\x10\x05\x20\x0a\x69\x00\x00\x00\x00\x00\x00\x00\x00\x04\x01\x0f\x00\x18\x02\x12\x0b\x10\x05\x69\x00\x00\x00\x00\x00\x00\xf0\x3f' \
  >"$corpus/fuzz_hub_session/births_and_data"
printf '{"bearing": "6205", "load_kn": 2.5, "new_load_kn": 3.0, "speed_rpm": 1500, "new_speed_rpm": 1800}' \
  >"$corpus/fuzz_hub_what_if/doc_example.json"
# Alarm inputs: the first byte picks Alert/Level (0), ISO zone (1), NE 107 (2), Fault/Class (3) or a URL (4).
printf '\x00warning' >"$corpus/fuzz_hub_alarm_inputs/level"
printf '\x01D' >"$corpus/fuzz_hub_alarm_inputs/zone"
printf '\x04http://127.0.0.1:8080/alarms' >"$corpus/fuzz_hub_alarm_inputs/url"
printf '/api/v1/assets/7?limit=10\n{"bearing":"SKF 6205","criticality":4,"line_id":null}' >"$corpus/fuzz_hub_api/patch"
printf '/api/v1/assets/7/series/Health%%2FIndex?from=0&to=10\n{}' >"$corpus/fuzz_hub_api/series"
"$build/bin/fuzz_mat_seeds" "$corpus/fuzz_mat"
"$build/bin/fuzz_bundle_seeds" "$corpus/fuzz_bundle"
if [ -f "$data/cwru/105.mat" ]; then  # a real header and the start of a real element (truncated)
  head -c 4096 "$data/cwru/105.mat" >"$corpus/fuzz_mat/cwru_head.mat"
  head -c 1024 "$data/cwru/catalog.csv" >"$corpus/fuzz_catalog/cwru_catalog_head.csv"
fi

# ---- run ----------------------------------------------------------------------------------------
failed=()
for t in "${targets[@]}"; do
  echo "fuzz: $t for ${seconds}s"
  if ! "$build/bin/$t" "$corpus/$t" -max_total_time="$seconds" -max_len=16384 -rss_limit_mb=2048 \
      -timeout=10 -print_final_stats=0 -artifact_prefix="$build/artifacts/$t-" >"$build/$t.log" 2>&1; then
    failed+=("$t")
    echo "fuzz: $t FAILED; last lines of $build/$t.log:"
    tail -n 40 "$build/$t.log"
  else
    grep -E "^#[0-9]+.*DONE|Done [0-9]+ runs" "$build/$t.log" | tail -n 1 || true
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crashes in ${failed[*]} (inputs in $build/artifacts)"
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran ${seconds}s without a crash"
