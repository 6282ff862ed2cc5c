#!/usr/bin/env bash
# Load check on a throwaway demo: start the embedded PostGIS demo through the app's CLI, serve it with
# gunicorn (4 workers) on a free loopback port, run tools/loadcheck.py against it, then stop and remove it all.
#
#   tools/loadcheck.sh [--count 2000] [--concurrency 32] [--token T] [--anonymous] [--keep] [loadcheck.py options]
#
# Without --token an admin account and API token are created in the throwaway database (when the app has
# `minqing users token`), so the posts are exempt from the anonymous rate limit; --anonymous posts without one.
# --keep leaves the instance folder (database, gunicorn log) in place for inspection.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY="$ROOT/.venv/bin/python"
[ -x "$PY" ] || PY=$(command -v python3)
WORKERS=4

TOKEN="" ANONYMOUS=0 KEEP=0 PASS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --token) TOKEN="$2"; shift 2 ;;
        --token=*) TOKEN="${1#--token=}"; shift ;;
        --anonymous) ANONYMOUS=1; shift ;;
        --keep) KEEP=1; shift ;;
        *) PASS+=("$1"); shift ;;
    esac
done

WORK=$(mktemp -d /tmp/minqing-loadcheck.XXXXXX)
chmod 755 "$WORK"  # the PostgreSQL server may run as the unprivileged 'postgres' user
export MINQING_INSTANCE_PATH="$WORK/instance"
unset DATABASE_URL
GUNICORN_PID=""

minqing() { (cd "$ROOT" && "$PY" -m geo_app.cli "$@"); }

cleanup() {
    status=$?
    if [ -n "$GUNICORN_PID" ] && kill -0 "$GUNICORN_PID" 2>/dev/null; then
        kill -TERM "$GUNICORN_PID" 2>/dev/null || true
        for _ in $(seq 1 60); do kill -0 "$GUNICORN_PID" 2>/dev/null || break; sleep 0.5; done
        kill -KILL "$GUNICORN_PID" 2>/dev/null || true
        wait "$GUNICORN_PID" 2>/dev/null || true
    fi
    if [ "$KEEP" = 1 ]; then
        minqing db down >/dev/null 2>&1 || true
        echo "kept $WORK (gunicorn log: $WORK/gunicorn.log)" >&2
    else
        "$PY" -c 'import sys; from geo_app.embedded_pg import Cluster; Cluster.for_instance(sys.argv[1]).destroy()' \
            "$MINQING_INSTANCE_PATH" >/dev/null 2>&1 || true
        rm -rf "$WORK"
    fi
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "setting up a throwaway demo in $WORK" >&2
minqing db up >/dev/null
minqing db upgrade >/dev/null
minqing demo load >/dev/null
DATABASE_URL_FOR_CHECK=$(cd "$ROOT" && "$PY" -c 'from geo_app import create_app; print(create_app().config["DATABASE_URL"])')

if [ -z "$TOKEN" ] && [ "$ANONYMOUS" = 0 ] && minqing users token --help >/dev/null 2>&1; then
    minqing users add loadcheck --role admin --password "$("$PY" -c 'import secrets; print(secrets.token_urlsafe(24))')" >/dev/null
    TOKEN=$(minqing users token loadcheck | tail -n 1 | awk '{print $NF}')
fi

PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
(cd "$ROOT" && exec "$PY" -m gunicorn --workers "$WORKERS" --bind "127.0.0.1:$PORT" --access-logfile /dev/null \
    --error-logfile "$WORK/gunicorn.log" geo_app.wsgi:app) &
GUNICORN_PID=$!

"$PY" - "$PORT" <<'EOF'
import sys, time, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/healthz"
for _ in range(120):
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            if response.status == 200:
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.5)
sys.exit("gunicorn did not answer /healthz within 60 s")
EOF
echo "gunicorn ($WORKERS workers) on http://127.0.0.1:$PORT${TOKEN:+, posting with an API token}" >&2

ARGS=(--url "http://127.0.0.1:$PORT" --database-url "$DATABASE_URL_FOR_CHECK")
[ -n "$TOKEN" ] && ARGS+=(--token "$TOKEN")
"$PY" "$ROOT/tools/loadcheck.py" "${ARGS[@]}" "${PASS[@]+"${PASS[@]}"}"
