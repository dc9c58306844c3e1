#!/usr/bin/env bash
# The demo behind `make demo` (which trains the default models first): diagnoses real CWRU bearing
# recordings when ../shared/data is beside the checkout, otherwise simulated machines, and prints the
# diagnosis table; with the data, also the learned models' view, their honest evaluation and a
# remaining-useful-life estimate on a FEMTO run-to-failure bearing.
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
  if [ -f "$build_dir/models/classifier.vigil" ]; then
    echo
    echo "== Learned models beside the physics (these recordings trained them: what it prints, not how good) =="
    "$vigil" analyze "$data_dir"/cwru/{97,105,130,118,197}.mat --models "$build_dir/models"
    echo
    echo "== How good: the classifier's recipe retrained leave-one-load-out, then leave-one-fault-size-out =="
    "$vigil" eval cwru "$data_dir/cwru/catalog.csv" --model "$build_dir/models/classifier.vigil" --split by-load |
      grep -E "split:|^note"
    "$vigil" eval cwru "$data_dir/cwru/catalog.csv" --model "$build_dir/models/classifier.vigil" --split by-size |
      grep -E "split:"
  fi
  if [ -f "$build_dir/models/rul.vigil" ] && [ -d "$data_dir/femto/Learning_set/Bearing1_1" ]; then
    echo
    echo "== Remaining useful life of FEMTO Bearing1_1 from its snapshots =="
    "$vigil" rul "$data_dir/femto/Learning_set/Bearing1_1" --bearing pronostia --rpm 1800
  fi
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
