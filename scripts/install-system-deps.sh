#!/usr/bin/env bash
# Debian packages: oneDNN for the optional native kernels (@raunet/cpu-kernels), chromium for the viewer's
# browser tests (driven headless by playwright-core; its own browser downloads are not used), and redis-server
# for the job-queue tests and benchmark (@raunet/queue; the tests start their own server on a free port).
# Safe to re-run.
set -euo pipefail
if ! command -v apt-get >/dev/null; then echo "no apt-get: install oneDNN (libdnnl-dev), chromium and redis-server yourself"; exit 0; fi
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
missing=()
for pkg in libdnnl-dev redis-server chromium; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
echo "libdnnl-dev $(dpkg-query -W -f='${Version}' libdnnl-dev), redis-server $(dpkg-query -W -f='${Version}' redis-server)"
echo "$(chromium --version 2>/dev/null | head -1)"
