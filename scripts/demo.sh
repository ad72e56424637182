#!/usr/bin/env bash
# Builds the minimongo CLI and runs the demo (installing what is missing first): a recorded DDP
# session (examples/session.jsonl) replayed into an empty store with a live query on it, which
# prints the live query's events, the final client state and, on stderr, the rejected frames.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
bazel build //minimongo:minimongo
mm=bazel-bin/minimongo/minimongo
echo "== replay of a DDP session with a live query on folder 3, sorted by name"
echo "   ($mm replay examples/session.jsonl --observe files '{\"folder\": 3}' --sort '{\"name\": 1}')"
"$mm" replay examples/session.jsonl --observe files '{"folder": 3}' --sort '{"name": 1}'
echo
echo "== canonical EJSON of examples/files.jsonl ($mm ejson examples/files.jsonl)"
"$mm" ejson examples/files.jsonl
