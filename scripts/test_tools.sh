#!/bin/sh
# Installs what the test suite needs, on a fresh machine: the pinned Deno (through
# scripts/deno.sh), the pinned engine CLIs from the npm registry into .tools/, and
# the Debian packages the real-part tests use. Idempotent; safe to run every time.
set -eu
CLAUDE_CODE_VERSION=2.1.332
CODEX_VERSION=0.171.0
root=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
tools="$root/.tools"

"$root/scripts/deno.sh" --version >/dev/null

need_npm=""
[ -x "$tools/node_modules/.bin/claude" ] || need_npm="$need_npm @anthropic-ai/claude-code@$CLAUDE_CODE_VERSION"
[ -x "$tools/node_modules/.bin/codex" ] || need_npm="$need_npm @openai/codex@$CODEX_VERSION"
if [ -n "$need_npm" ]; then
  # shellcheck disable=SC2086
  npm install --prefix "$tools" --no-audit --no-fund --loglevel=error $need_npm >&2
fi

need_apt=""
command -v git >/dev/null 2>&1 || need_apt="$need_apt git"
command -v redis-server >/dev/null 2>&1 || need_apt="$need_apt redis-server"
command -v systemd-analyze >/dev/null 2>&1 || need_apt="$need_apt systemd"
command -v bwrap >/dev/null 2>&1 || need_apt="$need_apt bubblewrap"
command -v hyperfine >/dev/null 2>&1 || need_apt="$need_apt hyperfine"
[ -x /usr/bin/time ] || need_apt="$need_apt time"
command -v shellcheck >/dev/null 2>&1 || need_apt="$need_apt shellcheck"
[ -x /usr/bin/aws ] || need_apt="$need_apt awscli"
command -v mkfifo >/dev/null 2>&1 || need_apt="$need_apt coreutils"
# The dashboard's browser tests drive Debian's Chromium with playwright-core (npm, through
# deno.json), which cannot download a browser of its own.
[ -x /usr/bin/chromium ] || need_apt="$need_apt chromium"
if [ -n "$need_apt" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >&2
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need_apt >&2
  else
    echo "warning: missing$need_apt; install them with your package manager (tests that need them will fail)" >&2
  fi
fi
