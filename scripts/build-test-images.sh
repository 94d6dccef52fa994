#!/usr/bin/env bash
# Build the real images the image tests use, cached by their inputs under $VOUCH_TEST_IMAGES
# (default: .cache/test-images in the repository, git-ignored; CI's clean clone builds them once
# per run). Needs root, debootstrap and umoci (Debian packages); prints what it skipped.
#
#   debian-bookworm/   OCI layout (tag "minbase") of `debootstrap --variant=minbase bookworm`,
#                      plus dpkg-query.txt: `dpkg-query -W` run against that root filesystem
#                      (the oracle the tests compare Vouch's package list with).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${VOUCH_TEST_IMAGES:-$PWD/.cache/test-images}
mkdir -p "$out"

# The mirror apt uses on this machine (no host is written down here).
mirror=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v security | head -n1 || true)
[ -n "$mirror" ] || mirror=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | head -n1 || true)

build_debian() {
  local dir="$out/debian-bookworm" stamp="debootstrap-minbase-bookworm-v1"
  if [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$stamp" ]; then
    echo "debian-bookworm: cached"; return 0
  fi
  if ! command -v debootstrap >/dev/null || ! command -v umoci >/dev/null; then
    echo "debian-bookworm: skipped (needs debootstrap and umoci)"; return 0
  fi
  if [ -z "$mirror" ]; then echo "debian-bookworm: skipped (no apt mirror configured)"; return 0; fi
  local work; work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -n 20 "$work/debootstrap.log"; echo "debian-bookworm: debootstrap failed"; return 1; }
  # The oracle: what dpkg itself says is installed in that root.
  dpkg-query --admindir="$work/rootfs/var/lib/dpkg" -W -f='${Package}\t${Version}\t${Architecture}\n' | sort >"$work/dpkg-query.txt"
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  umoci init --layout "$dir.tmp/layout"
  umoci new --image "$dir.tmp/layout:minbase"
  umoci unpack --image "$dir.tmp/layout:minbase" "$work/bundle" >/dev/null
  rm -rf "$work/bundle/rootfs"
  mv "$work/rootfs" "$work/bundle/rootfs"
  umoci repack --image "$dir.tmp/layout:minbase" "$work/bundle" >/dev/null
  cp "$work/dpkg-query.txt" "$dir.tmp/dpkg-query.txt"
  echo "$stamp" >"$dir.tmp/.stamp"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
  echo "debian-bookworm: built ($(wc -l <"$dir/dpkg-query.txt") packages)"
}

build_debian
