#!/bin/sh
# The `minimongo find` subcommand: output, options, help and exit statuses
# (0 success, 1 bad input, 2 usage error).
set -u

bin="${TEST_SRCDIR:?}/${TEST_WORKSPACE:-minimongo}/minimongo/minimongo"
tmp="${TEST_TMPDIR:-/tmp}/find_cli_test.$$"
mkdir -p "$tmp" || exit 1
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# run EXPECTED_STATUS ARGS...: runs the binary, keeping stdout in $tmp/out, stderr in $tmp/err.
run() {
  want=$1
  shift
  "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
  got=$?
  if [ "$got" -ne "$want" ]; then
    fail "minimongo $* exited with $got, want $want; stderr: $(cat "$tmp/err")"
  fi
}

# expect_out TEXT: stdout of the last run is exactly TEXT (lines separated by newlines).
expect_out() {
  printf '%s\n' "$1" >"$tmp/want"
  if ! cmp -s "$tmp/want" "$tmp/out"; then
    fail "stdout differs; want:
$(cat "$tmp/want")
got:
$(cat "$tmp/out")"
  fi
}

expect_no_out() {
  if [ -s "$tmp/out" ]; then fail "unexpected stdout: $(cat "$tmp/out")"; fi
}

# expect_err FRAGMENT: stderr of the last run contains FRAGMENT.
expect_err() {
  if ! grep -qF -- "$1" "$tmp/err"; then
    fail "stderr lacks '$1': $(cat "$tmp/err")"
  fi
}

data="$tmp/docs.jsonl"
cat >"$data" <<'DOCS'
{"_id": "a", "k": 1, "n": 3, "t": "x"}
{"_id": "b", "k": 2, "n": 1, "t": "y"}

{"n": 2, "_id": "c", "k": 1, "t": "z"}
{"_id": "d", "k": 1, "n": 4, "when": {"$date": 1000}}
DOCS

# Matches, one per line, in insertion order, as canonical EJSON with _id first.
run 0 find "$data" '{"k": 1}'
expect_out '{"_id":"a","k":1,"n":3,"t":"x"}
{"_id":"c","n":2,"k":1,"t":"z"}
{"_id":"d","k":1,"n":4,"when":{"$date":1000}}'

run 0 find "$data" '{}'
[ "$(wc -l <"$tmp/out")" -eq 4 ] || fail "find {} printed $(wc -l <"$tmp/out") lines, want 4"

run 0 find "$data" '{"k": 9}'
expect_no_out

run 0 find "$data" '{"when": {"$gt": {"$date": 0}}}'
expect_out '{"_id":"d","k":1,"n":4,"when":{"$date":1000}}'

# --sort, --skip, --limit, --fields, in any order around the positionals.
run 0 find "$data" '{}' --sort '{"n": -1}'
expect_out '{"_id":"d","k":1,"n":4,"when":{"$date":1000}}
{"_id":"a","k":1,"n":3,"t":"x"}
{"_id":"c","n":2,"k":1,"t":"z"}
{"_id":"b","k":2,"n":1,"t":"y"}'

run 0 find --sort '{"n": 1}' --skip 1 --limit 2 --fields '{"n": 1}' "$data" '{}'
expect_out '{"_id":"c","n":2}
{"_id":"a","n":3}'

run 0 find "$data" '{"k": 1}' --fields '{"_id": 0, "t": 1}' --limit 2
expect_out '{"t":"x"}
{"t":"z"}'

run 0 find "$data" '{}' --skip 3
expect_out '{"_id":"d","k":1,"n":4,"when":{"$date":1000}}'

run 0 find "$data" '{}' --skip 10
expect_no_out

# --limit 0 means no limit, as in MongoDB.
run 0 find "$data" '{"k": 1}' --limit 0
[ "$(wc -l <"$tmp/out")" -eq 3 ] || fail "--limit 0 printed $(wc -l <"$tmp/out") lines, want 3"

# A string selector is {_id: string}.
run 0 find "$data" '"b"'
expect_out '{"_id":"b","k":2,"n":1,"t":"y"}'

# "-" reads the documents from stdin.
printf '%s\n' '{"_id": 1, "v": true}' '{"_id": 2, "v": false}' |
  "$bin" find - '{"v": true}' >"$tmp/out" 2>"$tmp/err" || fail "find - exited with $?"
expect_out '{"_id":1,"v":true}'

# Help: exit 0, usage on stdout.
run 0 find --help
grep -q '^usage: minimongo find' "$tmp/out" || fail "find --help printed no usage: $(cat "$tmp/out")"
run 0 find "$data" '{}' -h
grep -q '^usage: minimongo find' "$tmp/out" || fail "find -h printed no usage"
run 0 --help
grep -q '^usage: minimongo' "$tmp/out" || fail "--help printed no usage"

# Usage errors: exit 2, nothing on stdout.
run 2 find
expect_no_out
grep -q 'usage: minimongo find' "$tmp/err" || fail "find without arguments printed no usage on stderr"
run 2 find "$data"
expect_no_out
run 2 find "$data" '{}' extra
expect_no_out
run 2 find "$data" '{}' --bogus 1
expect_err "unknown option --bogus"
run 2 find "$data" '{}' --limit
expect_err "--limit needs a value"
run 2 find "$data" '{}' --limit ten
expect_err "--limit needs a non-negative integer"
run 2 find "$data" '{}' --skip -1
expect_err "--skip needs a non-negative integer"
expect_no_out
run 2
run 2 frobnicate
expect_err "unknown command"

# Bad input: exit 1 with a message on stderr, nothing on stdout.
run 1 find "$data" '{"k": '
expect_err "selector"
expect_no_out
run 1 find "$data" '{"k": {"$foo": 1}}'
expect_err '$foo'
expect_no_out
run 1 find "$data" '{"$where": "1"}'
expect_err '$where'
run 1 find "$data" '{}' --sort '{"n": 5}'
expect_err "direction"
expect_no_out
run 1 find "$data" '{}' --sort '{"n":'
expect_err "--sort"
run 1 find "$data" '{}' --fields '{"a": 1, "b": 0}'
expect_err "projection"
expect_no_out
run 1 find "$tmp/no-such-file.jsonl" '{}'
expect_err "cannot open"
expect_no_out

printf '%s\n' '{"_id": 1}' '{"_id": 2' >"$tmp/broken.jsonl"
run 1 find "$tmp/broken.jsonl" '{}'
expect_err "line 2"
expect_no_out

printf '%s\n' '{"_id": 1}' '{"x": 1}' '{"_id": 1.0}' >"$tmp/duplicate.jsonl"
run 1 find "$tmp/duplicate.jsonl" '{}'
expect_err "line 3"
expect_err "duplicate key"
expect_no_out

printf '%s\n' '[1, 2]' >"$tmp/array.jsonl"
run 1 find "$tmp/array.jsonl" '{}'
expect_err "line 1"

rm -rf "$tmp"
if [ "$failures" -ne 0 ]; then
  echo "find_cli_test: $failures failure(s)" >&2
  exit 1
fi
echo "find_cli_test: PASSED"
