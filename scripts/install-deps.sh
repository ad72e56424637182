#!/usr/bin/env bash
# Installs what minimongo needs on Debian 12, only where something is missing.
# Idempotent and quiet when everything is already there.
set -euo pipefail

packages=(
  bazel-bootstrap g++ pkg-config
  libabsl-dev libre2-dev libfmt-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libboost-dev libssl-dev
  nodejs
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node 20 may come from elsewhere than Debian's package; a working `node` is enough.
if command -v node >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs/}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))

if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# The Node servers of the ddp_transport end-to-end tests (ddp-server-reactive, ws), from the
# lock file; only when node_modules is missing or older than the lock file.
server_dir="$(dirname "$0")/../tests/ddp_transport/server"
if ! command -v npm >/dev/null 2>&1; then
  echo "installing: npm" >&2
  sudo_cmd=()
  [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
    npm >/dev/null
fi
if [ ! -d "$server_dir/node_modules" ] ||
   [ "$server_dir/package-lock.json" -nt "$server_dir/node_modules/.package-lock.json" ]; then
  echo "installing: npm packages of tests/ddp_transport/server" >&2
  npm ci --prefix "$server_dir" --no-audit --no-fund --loglevel=error >/dev/null
fi
