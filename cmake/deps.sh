#!/bin/sh
# Installs what backstop needs to build, test and draw charts on Debian 12, when missing.
# Run as root (or with sudo available). Safe to run again: it installs only what lacks.
set -eu
pkgs="cmake make gcc clang pkg-config libzstd-dev libcsv-dev libcmocka-dev zlib1g-dev
      libzip-dev libjansson-dev zstd gzip valgrind gnuplot-nox poppler-utils groff
      slurm-wlm munge parallel"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing="$missing $p"
done
# libFuzzer's runtime comes with clang's compiler-rt, which Debian packages apart.
if ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "install ok installed"; then
  missing="$missing libclang-rt-14-dev"
fi
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing:$missing" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
