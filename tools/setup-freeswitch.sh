#!/usr/bin/env bash
# A real FreeSWITCH for the `freeswitch` tests (issue 18), called by tools/setup.sh test.
# Unpacks the run-time tarball built for this machine (its prefix /opt/fs is compiled in, so it
# goes to /) after checking its sha256, and installs the Debian libraries it runs on.
#   HUASHU_FS_TARBALL  the tarball (default ../shared/freeswitch/fs-runtime.tar.gz, beside the checkout)
#   HUASHU_FS_SHA256   its expected sha256 (default: the one built for this project)
#   HUASHU_FS_ROOT     where to unpack (default /; tests use a temp directory)
# Quiet and successful when the tarball is absent; does nothing when the same tarball is unpacked.
set -euo pipefail
cd "$(dirname "$0")/.."
tarball="${HUASHU_FS_TARBALL:-../shared/freeswitch/fs-runtime.tar.gz}"
sha256="${HUASHU_FS_SHA256:-5a30606d059e3960c5a17d1b2f6b4a677b3590b60f4dcc8f1fccee95f7405493}"
root="${HUASHU_FS_ROOT:-/}"
stamp="${root%/}/opt/fs/.huashu-tarball-sha256"
[ -f "$tarball" ] || exit 0
[ "$(cat "$stamp" 2>/dev/null)" = "$sha256" ] && exit 0
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
libs=(libssl3 libsqlite3-0 libcurl4 libpcre3 libspeex1 libspeexdsp1 libedit2 libtiff6 libsndfile1 libuuid1 zlib1g libtinfo6)
missing=()
for p in "${libs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> apt-get install ${missing[*]} (FreeSWITCH run-time libraries)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! echo "$sha256  $tarball" | sha256sum -c --status; then
  echo "FreeSWITCH tarball $tarball does not have sha256 $sha256; not unpacking it" >&2
  exit 1
fi
echo "==> unpacking FreeSWITCH from $tarball into ${root%/}/opt/fs"
$SUDO rm -rf "${root%/}/opt/fs"
$SUDO mkdir -p "$root"
$SUDO tar xzf "$tarball" -C "$root"
echo "$sha256" | $SUDO tee "$stamp" >/dev/null
