#!/usr/bin/env bash
# Installs what Huashu needs on a fresh Debian machine: system packages (apt-get), the Python
# virtual environment (pip) and the web front-end packages (npm). Idempotent and quiet when
# everything is there already.  Usage: tools/setup.sh run|test
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-run}"

apt_run=(espeak-ng sox libsox-fmt-mp3 ffmpeg)
apt_test=(sip-tester baresip chromium fonts-wqy-microhei)
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

# A real FreeSWITCH for the `freeswitch` tests (issue 18): the run-time tarball built for this
# machine, beside the checkout in CI (../shared/freeswitch/), or wherever HUASHU_FS_TARBALL says.
# Unpacked at / (its prefix /opt/fs is compiled in) after its sha256 is checked; skipped quietly
# when the tarball is absent, and a no-op when /opt/fs already holds the same tarball.
if [ "$purpose" = test ]; then
  fs_tarball="${HUASHU_FS_TARBALL:-../shared/freeswitch/fs-runtime.tar.gz}"
  fs_sha256="5a30606d059e3960c5a17d1b2f6b4a677b3590b60f4dcc8f1fccee95f7405493"
  fs_stamp=/opt/fs/.huashu-tarball-sha256
  if [ -f "$fs_tarball" ] && [ "$(cat "$fs_stamp" 2>/dev/null)" != "$fs_sha256" ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    fs_libs=(libssl3 libsqlite3-0 libcurl4 libpcre3 libspeex1 libspeexdsp1 libedit2 libtiff6 libsndfile1 libuuid1 zlib1g libtinfo6)
    fs_missing=()
    for p in "${fs_libs[@]}"; do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || fs_missing+=("$p")
    done
    if [ ${#fs_missing[@]} -gt 0 ]; then
      echo "==> apt-get install ${fs_missing[*]} (FreeSWITCH run-time libraries)"
      $SUDO apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${fs_missing[@]}" >/dev/null
    fi
    if ! echo "$fs_sha256  $fs_tarball" | sha256sum -c --status; then
      echo "FreeSWITCH tarball $fs_tarball does not have sha256 $fs_sha256; not unpacking it" >&2; exit 1
    fi
    echo "==> unpacking FreeSWITCH from $fs_tarball into /opt/fs"
    $SUDO rm -rf /opt/fs
    $SUDO tar xzf "$fs_tarball" -C /
    echo "$fs_sha256" | $SUDO tee "$fs_stamp" >/dev/null
  fi
fi

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
  if [ ! -d web/node_modules ] || [ web/package.json -nt web/node_modules ] || [ web/package-lock.json -nt web/node_modules ]; then
    echo "==> npm install (web front-end packages)"
    (cd web && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi)
    touch web/node_modules
  fi
fi
echo "==> setup done ($purpose)"
