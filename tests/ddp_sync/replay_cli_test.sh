#!/bin/sh
# `minimongo replay` through the real binary: the subcommand is wired, prints the state on
# stdout and one "line N: reason" per rejection on stderr, exit statuses 0 / 1 / 2; and the
# demo's bundled session replays with its live query.
set -u

cd "${TEST_SRCDIR:?}/${TEST_WORKSPACE:-minimongo}" || exit 1
bin="$PWD/minimongo/minimongo"
tmp="${TEST_TMPDIR:-/tmp}/replay_cli_test.$$"
mkdir -p "$tmp" || exit 1
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

"$bin" replay tests/ddp_sync/fixtures/hw-ddp-ordered.jsonl >"$tmp/out" 2>"$tmp/err"
[ $? -eq 0 ] || fail "replay of hw-ddp-ordered did not exit 0"
grep -qx '  "rejected": \[11,12,13,14,15\]' "$tmp/out" || fail "rejected lines: $(cat "$tmp/out")"
grep -qx '      {"_id":"q5","n":5}' "$tmp/out" || fail "state: $(cat "$tmp/out")"
[ "$(grep -c '^line ' "$tmp/err")" -eq 5 ] || fail "stderr: $(cat "$tmp/err")"
grep -q '^line 15: ' "$tmp/err" || fail "no line 15 on stderr: $(cat "$tmp/err")"

"$bin" replay examples/session.jsonl --observe files '{"folder": 3}' --sort '{"name": 1}' \
  >"$tmp/out" 2>"$tmp/err"
[ $? -eq 0 ] || fail "demo replay did not exit 0"
head -n 1 "$tmp/out" | grep -q '^{"event":"addedBefore","id":"f1",' || fail "demo events: $(cat "$tmp/out")"
grep -q '^{"event":"removed","id":"f2"}$' "$tmp/out" || fail "demo events: $(cat "$tmp/out")"
grep -qx '  "rejected": \[20,21\]' "$tmp/out" || fail "demo rejected: $(cat "$tmp/out")"

"$bin" replay /nonexistent.jsonl >/dev/null 2>&1
[ $? -eq 1 ] || fail "a missing file should exit 1"
"$bin" replay >/dev/null 2>&1
[ $? -eq 2 ] || fail "no FILE should exit 2"
"$bin" replay --help >"$tmp/out" 2>&1
[ $? -eq 0 ] && grep -q 'usage: minimongo replay FILE' "$tmp/out" || fail "--help"
"$bin" --help | grep -q '^  replay FILE' || fail "replay missing from minimongo --help"

rm -rf "$tmp"
if [ "$failures" -ne 0 ]; then
  echo "replay_cli_test: $failures failure(s)" >&2
  exit 1
fi
echo "replay_cli_test: PASSED"
