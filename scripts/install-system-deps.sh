#!/usr/bin/env bash
# Debian packages: oneDNN for the optional native kernels (@raunet/cpu-kernels), and chromium for the
# viewer's browser tests (driven headless by playwright-core; its own browser downloads are not used). Safe to re-run.
set -euo pipefail
if ! command -v apt-get >/dev/null; then echo "no apt-get: install oneDNN (libdnnl-dev) and chromium yourself"; exit 0; fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
if ! dpkg -s libdnnl-dev >/dev/null 2>&1; then
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libdnnl-dev >/dev/null
fi
echo "libdnnl-dev $(dpkg-query -W -f='${Version}' libdnnl-dev)"
if ! command -v chromium >/dev/null; then
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
echo "$(chromium --version 2>/dev/null | head -1)"
