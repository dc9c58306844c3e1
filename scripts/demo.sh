#!/usr/bin/env bash
# The demo behind `make demo`: diagnoses real CWRU bearing recordings when ../shared/data is beside the
# checkout, otherwise simulated machines, and prints the diagnosis table.
set -euo pipefail
build_dir=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
vigil="$build_dir/bin/vigil"
data_dir=${VIGIL_DATA_DIR:-$root/../shared/data}

if [ -f "$data_dir/cwru/catalog.csv" ]; then
  echo "== One recording in detail: CWRU 105.mat (inner-race pit 0.007 in, 0 hp) =="
  "$vigil" analyze "$data_dir/cwru/105.mat"
  echo
  echo "== Every catalogued CWRU drive-end recording (physics only, no training) =="
  "$vigil" eval cwru "$data_dir/cwru/catalog.csv"
else
  echo "(no real data at $data_dir: diagnosing simulated machines instead)"
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
  for fault in none outer_race inner_race ball; do
    "$vigil" simulate "$out/$fault.mat" --fault "$fault" --seed 7 >/dev/null
  done
  echo "== One simulated machine in detail: inner-race defect =="
  "$vigil" analyze "$out/inner_race.mat" --fs 12000
  echo
  "$vigil" analyze --fs 12000 "$out"/none.mat "$out"/outer_race.mat "$out"/inner_race.mat "$out"/ball.mat
fi
