#!/bin/sh
# Conformance of `minimongo batch` against the sample of the shared corpus: runs compare.js
# (Node) with the recorded expected results and fails unless every case passes.
set -u

cd "${TEST_SRCDIR:?}/${TEST_WORKSPACE:-minimongo}" || exit 1
here=tests/conformance
binary="$PWD/minimongo/minimongo"
if [ ! -x "$binary" ]; then
  echo "conformance_test: no minimongo binary at $binary" >&2
  exit 1
fi
if ! command -v node >/dev/null 2>&1; then
  echo "conformance_test: node is not on PATH ($PATH)" >&2
  exit 1
fi

out="${TEST_TMPDIR:-/tmp}/conformance.out"
node "$here/compare.js" "$here/sample.jsonl" --expected "$here/sample.expected.jsonl" \
  --oracles none --cmd "'$binary' batch" >"$out" 2>&1
status=$?
cat "$out"

summary=$(grep '^conformance: ' "$out" | tail -n 1)
cases=$(grep -c . "$here/sample.jsonl")
if [ "$summary" != "conformance: $cases passed, 0 failed" ]; then
  echo "conformance_test: FAILED: want 'conformance: $cases passed, 0 failed', got '${summary:-nothing}'" >&2
  exit 1
fi
if [ "$status" -ne 0 ]; then
  echo "conformance_test: compare.js exited with $status" >&2
  exit 1
fi
echo "conformance_test: PASSED ($summary)"
