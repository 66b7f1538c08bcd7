#!/bin/sh
# Installs Alfred's binaries from a release: detects the OS and architecture,
# downloads alfred-<target>.tar.gz and SHA256SUMS, verifies the archive's
# SHA-256 (a mismatch refuses to install), installs into ~/.local/bin (or
# --prefix), then runs `alfred init` and `alfred doctor`.
#
#   curl -fsSL <release>/install.sh | sh
#   sh install.sh [--prefix DIR] [--base-url URL] [--version vX.Y.Z] [--no-init]
#
# Environment: ALFRED_RELEASE_URL (same as --base-url), ALFRED_REPO
# (owner/name of the project on GitHub; the default base URL is
# https://github.com/$ALFRED_REPO/releases/latest/download, or
# .../releases/download/<version> with --version).
set -eu

# The project's GitHub owner/name: set it here when publishing a fork.
ALFRED_REPO=${ALFRED_REPO:-OWNER/alfred}

prefix="${HOME:?HOME is not set}/.local/bin"
base_url=${ALFRED_RELEASE_URL:-}
version=""
run_init=1

say() { printf '%s\n' "$*"; }
fail() {
  printf 'install.sh: error: %s\n' "$1" >&2
  if [ $# -gt 1 ]; then printf 'hint: %s\n' "$2" >&2; fi
  exit 1
}

while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || fail "--prefix needs a folder"; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#--prefix=}; shift ;;
    --base-url) [ $# -ge 2 ] || fail "--base-url needs a URL"; base_url=$2; shift 2 ;;
    --base-url=*) base_url=${1#--base-url=}; shift ;;
    --version) [ $# -ge 2 ] || fail "--version needs a tag"; version=$2; shift 2 ;;
    --version=*) version=${1#--version=}; shift ;;
    --no-init) run_init=0; shift ;;
    -h | --help)
      sed -n '2,13p' "$0" 2>/dev/null | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) fail "unknown option: $1" "run with --help for the options" ;;
  esac
done

if [ -z "$base_url" ]; then
  if [ -n "$version" ]; then
    base_url="https://github.com/$ALFRED_REPO/releases/download/$version"
  else
    base_url="https://github.com/$ALFRED_REPO/releases/latest/download"
  fi
fi
base_url=${base_url%/}

os=$(uname -s)
arch=$(uname -m)
case "$os" in
  Linux) os_part=unknown-linux-gnu ;;
  Darwin) os_part=apple-darwin ;;
  *) fail "unsupported operating system: $os" "Alfred ships for Linux and macOS." ;;
esac
case "$arch" in
  x86_64 | amd64) arch_part=x86_64 ;;
  aarch64 | arm64) arch_part=aarch64 ;;
  *) fail "unsupported architecture: $arch" "Alfred ships for x86_64 and aarch64." ;;
esac
target="$arch_part-$os_part"
archive="alfred-$target.tar.gz"

download() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL -o "$2" "$1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1"
  else
    fail "neither curl nor wget is installed" "install one of them and run again"
  fi
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d' ' -f1
  else
    fail "neither sha256sum nor shasum is installed" "install coreutils (or perl's shasum)"
  fi
}

work=$(mktemp -d 2>/dev/null || mktemp -d -t alfred-install)
trap 'rm -rf "$work"' EXIT INT TERM

say "Downloading $archive for $target from $base_url"
download "$base_url/$archive" "$work/$archive" ||
  fail "could not download $base_url/$archive" "check the URL, the version and the network"
download "$base_url/SHA256SUMS" "$work/SHA256SUMS" ||
  fail "could not download $base_url/SHA256SUMS" "a release always carries SHA256SUMS; check the URL"

expected=$(awk -v name="$archive" '$2 == name || $2 == "*" name { print $1; exit }' "$work/SHA256SUMS")
[ -n "$expected" ] || fail "SHA256SUMS has no line for $archive" "the release is incomplete; do not install it"
actual=$(sha256_of "$work/$archive")
if [ "$actual" != "$expected" ]; then
  fail "checksum mismatch for $archive: expected $expected, got $actual; refusing to install" \
    "the download is corrupt or was tampered with; nothing was installed"
fi
say "Checksum OK ($actual)"

mkdir -p "$work/unpacked"
tar -xzf "$work/$archive" -C "$work/unpacked" || fail "could not unpack $archive"
[ -f "$work/unpacked/alfred" ] || fail "$archive has no alfred binary" "the release is incomplete"

mkdir -p "$prefix" || fail "cannot create $prefix" "pick another folder with --prefix"
installed=""
for file in "$work"/unpacked/alfred "$work"/unpacked/alfred-*; do
  [ -f "$file" ] || continue
  name=$(basename "$file")
  if ! { cp "$file" "$prefix/$name.tmp.$$" && chmod 755 "$prefix/$name.tmp.$$" &&
    mv -f "$prefix/$name.tmp.$$" "$prefix/$name"; }; then
    fail "cannot write $prefix/$name" "pick another folder with --prefix"
  fi
  installed="$installed $name"
done
say "Installed into $prefix:$installed"

case ":${PATH:-}:" in
  *":$prefix:"*) ;;
  *) say "Note: $prefix is not on PATH; add it to your shell profile." ;;
esac

if [ "$run_init" -eq 1 ]; then
  say "Running: alfred init"
  "$prefix/alfred" init || fail "alfred init failed" "run \`$prefix/alfred init\` to see why"
  say "Running: alfred doctor"
  "$prefix/alfred" doctor || say "alfred doctor reported problems: fix them, then run it again."
fi
say "Done. Next: \`alfred quickstart\`."
