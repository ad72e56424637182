#!/usr/bin/env bash
# Runs every test of the project (installing what is missing first).
#   scripts/test.sh            all tests, default build
#   scripts/test.sh --asan     all tests under AddressSanitizer + UndefinedBehaviorSanitizer
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
config=()
if [ "${1:-}" = "--asan" ]; then config=(--config=asan); fi
bazel test "${config[@]}" //...
