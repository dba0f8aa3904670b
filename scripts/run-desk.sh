#!/usr/bin/env bash
# The embedded desk: SQLite and Celery's filesystem transport under var/, the web server and a worker
# with embedded beat. Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBUG="${DEBUG:-true}"
export DEMO_MODE="${DEMO_MODE:-true}"
PY=.venv/bin/python
ADDRESS="${ADDRESS:-127.0.0.1:8000}"
FAKE_X_PORT="${FAKE_X_PORT:-8099}"
# The embedded desk talks to the project's fake X server: questions flow without an X account or network.
export X_API_BASE_URL="${X_API_BASE_URL:-http://127.0.0.1:$FAKE_X_PORT}"
export X_ACCOUNT_ID="${X_ACCOUNT_ID:-1600000000000000001}"
export X_ACCOUNT_USERNAME="${X_ACCOUNT_USERNAME:-replydesk_support}"
export X_POLL_SECONDS="${X_POLL_SECONDS:-10}"

echo "==> Preparing the embedded database under var/"
$PY manage.py migrate --no-input -v 0
$PY manage.py seed_demo

pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "==> Stopping the desk"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

echo "==> Starting the fake X server on port $FAKE_X_PORT (customers ask a question every 30 s)"
$PY manage.py run_fake_x --port "$FAKE_X_PORT" --interval 30 --prefill 8 &
pids+=($!)

echo "==> Starting the worker (with embedded beat)"
.venv/bin/celery -A replydesk worker --beat --concurrency=1 --loglevel=WARNING &
pids+=($!)

echo "==> Starting the web server on http://$ADDRESS (Ctrl-C stops everything)"
$PY manage.py runserver "$ADDRESS" &
pids+=($!)

# Whichever stops first (or Ctrl-C) brings the other down with it.
wait -n
