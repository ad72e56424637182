#!/usr/bin/env bash
# Runs every test of the project (installing what is missing first).
#   scripts/test.sh            all tests, default build
#   scripts/test.sh --asan     all tests under AddressSanitizer + UndefinedBehaviorSanitizer
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
config=()
if [ "${1:-}" = "--asan" ]; then config=(--config=asan); fi
# install-deps.sh installed the Node servers of the ddp_transport end-to-end tests: here they
# must run, not skip.
bazel test "${config[@]}" --test_env=MINIMONGO_REQUIRE_NODE_SERVERS=1 //...
