#!/usr/bin/env bash
# Installs what Huashu needs on a fresh Debian machine: system packages (apt-get), the Python
# virtual environment (pip) and the web front-end packages (npm). Idempotent and quiet when
# everything is there already.  Usage: tools/setup.sh run|test
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-run}"

apt_run=(espeak-ng sox libsox-fmt-mp3 ffmpeg)
# kannel + kannel-extras: the SMS tests start their own bearerbox/smsbox and the fake SMSC on free 127.0.0.1 ports
apt_test=(sip-tester baresip chromium fonts-wqy-microhei kannel kannel-extras)
want=("${apt_run[@]}")
[ "$purpose" = test ] && want+=("${apt_test[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A real FreeSWITCH for the `freeswitch` tests: the run-time tarball beside the checkout, if any.
if [ "$purpose" = test ]; then tools/setup-freeswitch.sh; fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
extras="speech"
[ "$purpose" = test ] && extras="test"
stamp=".venv/.installed-$extras"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "==> pip install -e .[$extras]"
  log=.venv/pip-install.log
  if ! { .venv/bin/python -m pip install -q --upgrade pip && .venv/bin/python -m pip install -q -e ".[$extras]"; } >"$log" 2>&1; then
    cat "$log"; echo "pip install failed (log: $log)" >&2; exit 1
  fi
  .venv/bin/python -c "import huashu" && touch "$stamp"
fi

if [ -f web/package.json ]; then
  if [ ! -f web/node_modules/.package-lock.json ] || [ web/package.json -nt web/node_modules ] || [ web/package-lock.json -nt web/node_modules ]; then
    echo "==> npm install (web front-end packages)"
    (cd web && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi)
    touch web/node_modules
  fi
fi
echo "==> setup done ($purpose)"
