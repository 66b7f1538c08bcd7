#!/bin/sh
# Runs the project's pinned Deno, installing it from the npm registry on first use.
# This file is the one place the Deno version is pinned: the README, .ci/run and
# the release workflow all go through it.
set -eu
DENO_VERSION=2.9.6
root=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
tools="$root/.tools"
bin="$tools/node_modules/deno/deno"
if [ ! -x "$bin" ] || [ "$("$bin" --version 2>/dev/null | head -n 1 | cut -d' ' -f2)" != "$DENO_VERSION" ]; then
  mkdir -p "$tools"
  [ -f "$tools/package.json" ] || printf '{ "private": true }\n' >"$tools/package.json"
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error "deno@$DENO_VERSION" >&2
  # Some npm versions skip the postinstall that places the binary; run it ourselves.
  if [ ! -x "$bin" ] && [ -f "$tools/node_modules/deno/install.cjs" ]; then
    (cd "$tools/node_modules/deno" && node install.cjs >&2)
  fi
fi
exec "$bin" "$@"
