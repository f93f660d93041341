#!/usr/bin/env bash
# Vendors the console's browser libraries from their npm packages into
# agent_console/static/vendor/ (no CDN anywhere). Re-run after changing a version;
# commit the copied files together with their licences.
#
# htmx stays on the 2.x line: 4.x is released, but 2.x is supported indefinitely
# and 4.x changes attribute inheritance and error swapping, which the console's
# markup relies on.
set -euo pipefail

HTMX_VERSION="${HTMX_VERSION:-2.0.11}"
CHARTJS_VERSION="${CHARTJS_VERSION:-4.6.1}"
VOICE_SDK_VERSION="${VOICE_SDK_VERSION:-2.18.5}"

root="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$root/agent_console/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

unpack() {  # unpack <package@version> <folder name>
    (cd "$work" && npm pack --silent "$1" >/dev/null)
    local tarball
    tarball="$(ls -t "$work"/*.tgz | head -n1)"
    mkdir -p "$work/$2"
    tar -xzf "$tarball" -C "$work/$2" --strip-components=1
    rm -f "$tarball"
}

copy() {  # copy <folder name> <file in package> <destination dir>
    mkdir -p "$3"
    cp "$work/$1/$2" "$3/"
}

rm -rf "$vendor"
mkdir -p "$vendor"

unpack "htmx.org@$HTMX_VERSION" htmx
copy htmx dist/htmx.min.js "$vendor/htmx"
copy htmx LICENSE "$vendor/htmx"

unpack "chart.js@$CHARTJS_VERSION" chartjs
copy chartjs dist/chart.umd.min.js "$vendor/chartjs"
copy chartjs LICENSE.md "$vendor/chartjs"

unpack "@twilio/voice-sdk@$VOICE_SDK_VERSION" voice-sdk
copy voice-sdk dist/twilio.min.js "$vendor/twilio-voice"
copy voice-sdk LICENSE.md "$vendor/twilio-voice"

cat > "$vendor/VERSIONS.txt" <<VERSIONS
htmx.org $HTMX_VERSION (0BSD, see htmx/LICENSE)
chart.js $CHARTJS_VERSION (MIT, see chartjs/LICENSE.md)
@twilio/voice-sdk $VOICE_SDK_VERSION (Apache-2.0, see twilio-voice/LICENSE.md)
VERSIONS
echo "vendored into $vendor:"
(cd "$vendor" && find . -type f | sort)
