#!/bin/sh
# Install what the project needs from the operating system, where it is missing:
# PostgreSQL + PostGIS (always), Node.js + npm (front-end assets), and with --browser (the test
# set-up) Debian's chromium and CJK fonts for the browser tests, and nginx and redis-server, which
# the proxy and shared rate-limit tests start on loopback ports of their own, and gdal-bin (ogrinfo,
# ogr2ogr), the GIS client the OGC API – Features tests read /ogc with.
# Uses apt-get when we are root (or sudo works without a password); otherwise prints the
# exact commands and exits non-zero.
set -eu

want_browser=0
[ "${1:-}" = "--browser" ] && want_browser=1

missing=""
pg_bindir=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then pg_bindir="$d"; break; fi
done
if [ -z "$pg_bindir" ] && ! command -v initdb >/dev/null 2>&1; then
    missing="$missing postgresql postgresql-postgis"
elif [ -n "$pg_bindir" ]; then
    version=$(basename "$(dirname "$pg_bindir")")
    [ -f "/usr/share/postgresql/$version/extension/postgis.control" ] || missing="$missing postgresql-$version-postgis-3"
fi
command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
if [ "$want_browser" = 1 ]; then
    [ -x /usr/bin/chromium ] || missing="$missing chromium"
    fc-list 2>/dev/null | grep -qi "cjk" || missing="$missing fonts-noto-cjk"
    [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing="$missing nginx"
    command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
    command -v ogr2ogr >/dev/null 2>&1 || missing="$missing gdal-bin"
fi

[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
else
    echo "Missing system packages:$missing" >&2
    echo "Install them with:" >&2
    echo "  Debian/Ubuntu:  sudo apt-get install -y$missing" >&2
    echo "  macOS Homebrew: brew install postgresql@16 postgis node (and Chromium for the browser tests)" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "Missing system packages:$missing — this script installs them with apt-get only." >&2
    echo "  macOS Homebrew: brew install postgresql@16 postgis node" >&2
    exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
