#!/bin/sh
# `minimongo connect` through the real binary against ddp-server-reactive on localhost: live
# events printed as they arrive, a method call, --exit-when-ready and --duration-ms, and
# --record writing a session that `minimongo replay` replays to the same final state. Usage
# errors without a server. Skipped (SKIPPED on stdout) when node or server/node_modules is
# missing, unless MINIMONGO_REQUIRE_NODE_SERVERS=1 (scripts/test.sh), which fails instead.
set -u

cd "${TEST_SRCDIR:?}/${TEST_WORKSPACE:-minimongo}" || exit 1
bin="$PWD/minimongo/minimongo"
tmp="${TEST_TMPDIR:-/tmp}/connect_cli_test.$$"
mkdir -p "$tmp" || exit 1
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# Usage errors need no server.
"$bin" connect >/dev/null 2>&1
[ $? -eq 2 ] || fail "no URL should exit 2"
"$bin" connect ws://127.0.0.1:1/ --limit 3 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--limit without --observe should exit 2"
"$bin" connect ftp://x/ >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && grep -q 'scheme must be ws, wss' "$tmp/err" || fail "bad url: $(cat "$tmp/err")"
"$bin" connect ws://127.0.0.1:1/ --call m 'not json' >/dev/null 2>&1
[ $? -eq 1 ] || fail "bad --call params should exit 1"
"$bin" connect --help | grep -q '^usage: minimongo connect URL' || fail "--help"
"$bin" --help | grep -q '^  connect URL' || fail "connect missing from minimongo --help"

server_js=$(readlink -f tests/ddp_transport/server/server.js)
server_dir=$(dirname "$server_js")
if ! command -v node >/dev/null 2>&1 || [ ! -d "$server_dir/node_modules/ddp-server-reactive" ]; then
  if [ "${MINIMONGO_REQUIRE_NODE_SERVERS:-0}" = "1" ]; then
    echo "FAIL: node or $server_dir/node_modules missing (scripts/install-deps.sh installs them)" >&2
    exit 1
  fi
  echo "SKIPPED: node or $server_dir/node_modules missing; run scripts/install-deps.sh"
  rm -rf "$tmp"
  exit 0
fi

node "$server_js" >"$tmp/server.out" 2>&1 &
server_pid=$!
trap 'kill -9 $server_pid 2>/dev/null; rm -rf "$tmp"' EXIT
i=0
while ! grep -q '^listening ' "$tmp/server.out" 2>/dev/null; do
  i=$((i + 1))
  [ $i -gt 100 ] && { echo "FAIL: server did not start: $(cat "$tmp/server.out")" >&2; exit 1; }
  sleep 0.1
done
port=$(sed -n 's/^listening //p' "$tmp/server.out")
url="ws://127.0.0.1:$port/websocket"

timeout 20 "$bin" connect "$url" --sub files --observe files '{"owner": "u1"}' \
  --call files.set '["f2", "owner", "u1"]' --record "$tmp/rec.jsonl" --exit-when-ready \
  >"$tmp/out" 2>"$tmp/err"
[ $? -eq 0 ] || fail "connect did not exit 0: $(cat "$tmp/err")"
grep -qx '{"event":"added","id":"f1","fields":{"name":"Budget.xlsx","size":20480,"owner":"u1"}}' \
  "$tmp/out" || fail "no added f1: $(cat "$tmp/out")"
grep -q '^{"event":"added","id":"f2",' "$tmp/out" || fail "f2 did not enter the query: $(cat "$tmp/out")"
grep -qx '{"call":"files.set","result":true}' "$tmp/out" || fail "no call outcome: $(cat "$tmp/out")"
grep -qx '      {"_id":"f2","name":"Notes.txt","size":512,"owner":"u1"},' "$tmp/out" \
  || fail "final state: $(cat "$tmp/out")"
grep -q '"dir":"send","msg":{"msg":"connect"' "$tmp/rec.jsonl" || fail "recording: $(cat "$tmp/rec.jsonl")"

# The recording replays to the same final state (the state JSON is the output from its "{").
"$bin" replay "$tmp/rec.jsonl" >"$tmp/replayed" 2>/dev/null || fail "replay failed"
sed -n '/^{$/,$p' "$tmp/out" >"$tmp/live_state"
cmp -s "$tmp/live_state" "$tmp/replayed" || fail "replayed state differs: $(diff "$tmp/live_state" "$tmp/replayed")"

# --duration-ms ends a session that would otherwise run forever.
timeout 20 "$bin" connect "$url" --sub users --duration-ms 300 >"$tmp/out" 2>"$tmp/err"
[ $? -eq 0 ] || fail "--duration-ms did not exit 0: $(cat "$tmp/err")"
grep -q '"_id":"u1","username":"alice"' "$tmp/out" || fail "users: $(cat "$tmp/out")"

# SIGINT is a clean shutdown: exit 0 with the final state printed.
"$bin" connect "$url" --sub users >"$tmp/out" 2>"$tmp/err" &
client=$!
sleep 0.5
kill -INT $client
i=0
while kill -0 $client 2>/dev/null; do
  i=$((i + 1))
  [ $i -gt 50 ] && { kill -9 $client; fail "SIGINT did not stop the client within 5 s"; break; }
  sleep 0.1
done
wait $client
[ $? -eq 0 ] || fail "SIGINT exit status: $(cat "$tmp/err")"
grep -q '"rejected": \[' "$tmp/out" || fail "no final state after SIGINT: $(cat "$tmp/out")"

if [ "$failures" -ne 0 ]; then
  echo "connect_cli_test: $failures failure(s)" >&2
  exit 1
fi
echo "connect_cli_test: PASSED"
