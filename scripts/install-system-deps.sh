#!/usr/bin/env bash
# Debian packages the optional native kernels (@raunet/cpu-kernels) build against. Safe to re-run.
set -euo pipefail
if ! command -v apt-get >/dev/null; then echo "no apt-get: install oneDNN (libdnnl-dev) yourself"; exit 0; fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
if ! dpkg -s libdnnl-dev >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libdnnl-dev >/dev/null
fi
echo "libdnnl-dev $(dpkg-query -W -f='${Version}' libdnnl-dev)"
