#!/bin/sh
# Build static/vendor/ (git-ignored): every JS/CSS/font/image the pages load,
# installed from the npm registry as pinned in package-lock.json, so that no page
# needs another host. Idempotent; safe to run from any directory:
#
#     sh static/build_vendor.sh
#
# Needs node/npm and the project's virtualenv (../.venv, with folium installed);
# set VENDOR_PYTHON to use another interpreter that can import folium.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
if [ -z "${VENDOR_PYTHON:-}" ]; then
    if [ -x ../.venv/bin/python ]; then VENDOR_PYTHON=../.venv/bin/python; else VENDOR_PYTHON=python3; fi
fi
"$VENDOR_PYTHON" build_vendor.py
