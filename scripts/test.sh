#!/usr/bin/env bash
# `make test` in timed phases: deps, configure, build, ctest; then the wall time of each phase
# with the load average (the machine may be shared) and, last, ctest's own verdict line again.
# Usage: scripts/test.sh (run by make, which passes MAKE, BUILD_DIR, JOBS and CTEST_ARGS in the environment).
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
make_cmd=${MAKE:-make}
build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}
ctest_log=$(mktemp)
trap 'rm -f "$ctest_log"' EXIT

names=()
seconds=()
loads=()
status=0
started=$(date +%s)

phase() {  # phase NAME COMMAND... : runs COMMAND, records its wall time; stops at the first failure
  local name=$1 begin
  shift
  [ "$status" -eq 0 ] || return
  begin=$(date +%s)
  "$@"
  status=$?
  names+=("$name")
  seconds+=($(( $(date +%s) - begin )))
  loads+=("$(cut -d' ' -f1 /proc/loadavg)")
}

phase deps "$make_cmd" --no-print-directory deps
phase configure "$make_cmd" --no-print-directory configure
phase build "$make_cmd" --no-print-directory compile
# The fuzz targets run in `make sanitize` (and `make fuzz`), which CI runs after this.
# Two tests per core: the integration tests spend most of their time waiting on the processes they drive
# (a broker, the agent, a sensor replaying in real time), so a core would otherwise idle beside them.
phase ctest bash -c 'cd "$1" && shift && ctest "$@" 2>&1 | tee "$0"; exit "${PIPESTATUS[0]}"' \
  "$ctest_log" "$build_dir" --output-on-failure -j "$((jobs * 2))" ${CTEST_ARGS:-}

echo
echo "== make test: wall time per phase ($(nproc) cores; load average after each phase)"
for i in "${!names[@]}"; do
  printf '  %-11s %5d s   load %s\n' "${names[$i]}" "${seconds[$i]}" "${loads[$i]}"
done
printf '  %-11s %5d s\n' total $(( $(date +%s) - started ))
if [ "$status" -ne 0 ]; then
  echo "make test: FAILED in phase '${names[-1]}' (exit $status)"
fi
# ctest's verdict closes the output, so a reader (or CI) finds it last.
grep -E 'tests passed|tests failed' "$ctest_log" | tail -n 1
exit "$status"
