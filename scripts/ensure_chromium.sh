#!/usr/bin/env bash
# Make sure headless Chromium and chromedriver are installed (the browser checks in the test suite need
# them; see tests/support/browser.py). Idempotent: prints one line and exits 0 when both are present;
# otherwise installs the Debian packages `chromium` and `chromium-driver` with apt-get, as root or through
# passwordless sudo, and prints one line with the installed version and how long it took.
set -euo pipefail

chromium_bin() {
  local name
  for name in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$name" >/dev/null 2>&1; then
      command -v "$name"
      return 0
    fi
  done
  return 1
}

version() {
  # Debian's /usr/bin/chromium wrapper can print shell noise on stderr; keep only the version line.
  "$1" --version 2>/dev/null | head -n 1
}

if bin=$(chromium_bin) && command -v chromedriver >/dev/null 2>&1; then
  echo "chromium: $(version "$bin") (already installed)"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium: not installed and apt-get is not available; install Chromium and a matching chromedriver" \
    "by hand (or set GTM_CHROMIUM and GTM_CHROMEDRIVER to their paths)" >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "chromium: not installed, and installing it needs root: run" \
    "'sudo apt-get install chromium chromium-driver' (then 'make browser' again)" >&2
  exit 1
fi

start=$(date +%s)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! "${as_root[@]}" apt-get update -qq >"$log" 2>&1 \
  || ! "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver >>"$log" 2>&1; then
  tail -n 20 "$log" >&2
  echo "chromium: apt-get could not install chromium and chromium-driver (output above)" >&2
  exit 1
fi

if ! bin=$(chromium_bin) || ! command -v chromedriver >/dev/null 2>&1; then
  echo "chromium: apt-get finished but chromium or chromedriver is still not on PATH" >&2
  exit 1
fi
echo "chromium: $(version "$bin") (installed in $(($(date +%s) - start))s)"
