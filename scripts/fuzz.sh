#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (when available) and runs them.
#   fuzz.sh smoke   short run of every target (part of `make test`)
#   fuzz.sh run     longer run of every target (FUZZ_SECONDS each, default 60)
set -euo pipefail
echo "fuzz: no targets yet"
