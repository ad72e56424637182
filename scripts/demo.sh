#!/usr/bin/env bash
# Builds the minimongo CLI and runs the demo (installing what is missing first).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
bazel build //minimongo:minimongo
echo "== canonical EJSON of examples/files.jsonl (bazel-bin/minimongo/minimongo ejson examples/files.jsonl)"
bazel-bin/minimongo/minimongo ejson examples/files.jsonl
