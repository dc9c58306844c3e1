#!/usr/bin/env bash
# The runtime model library's transitive dependencies, as a program linked against it alone sees them (the
# shared libraries its link line put in DT_NEEDED). Prints the list; fails when a training, ONNX-building or
# dataset-reading library is among them.
set -euo pipefail
program="$1"
needed=$(readelf -d "$program" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | sort)
echo "runtime link line of $(basename "$program"):"
echo "$needed" | sed 's/^/  /'
forbidden='^(libtorch|libtorch_cpu|libc10|libonnx\.|libmatio|libz\.|libgomp)'
bad=$(echo "$needed" | grep -E "$forbidden" || true)
if [ -n "$bad" ]; then
  echo "FAIL: the runtime pulls in:" $bad
  exit 1
fi
# What it must have: OpenCV DNN (model check at load) and libcrypto (bundle digests).
for want in libopencv_dnn libcrypto; do
  echo "$needed" | grep -q "^$want" || { echo "FAIL: $want missing from the runtime's link line"; exit 1; }
done
echo "ok: no libtorch, no libonnx checker, no dataset readers"
