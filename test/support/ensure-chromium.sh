#!/usr/bin/env bash
# The widget and end-to-end tests drive a real Chromium. Test tools must not download their own
# browser (that fails on these machines), so this makes sure the system's exists: CHROME_PATH if
# set, else /usr/bin/chromium, else Debian's package installed here (as root, as on CI).
set -euo pipefail
if [ -n "${CHROME_PATH:-}" ] && [ -x "$CHROME_PATH" ]; then exit 0; fi
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser tests…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "no Chromium found: install it (apt-get install chromium) or set CHROME_PATH to a Chromium binary" >&2
exit 1
