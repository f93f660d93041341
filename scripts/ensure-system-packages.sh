#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real (ffmpeg, espeak-ng,
# chromium, redis-server, and fonts for the console's scripts) when they are missing; without root or apt-get, names what to install.
set -euo pipefail
declare -A package_for=([ffmpeg]=ffmpeg [espeak-ng]=espeak-ng [chromium]=chromium
                        [redis-server]=redis-server)
missing=()
for cmd in ffmpeg espeak-ng chromium redis-server; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${package_for[$cmd]}")
done
# Without these fonts Chromium draws Burmese, Thai and Khmer as boxes in the console.
dpkg-query -W -f='${Status}' fonts-noto-core 2>/dev/null | grep -q "ok installed" \
  || missing+=(fonts-noto-core)
[ ${#missing[@]} -eq 0 ] && exit 0
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  echo "installing Debian packages: ${missing[*]}"
  sudo apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "make test needs these Debian packages; install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
