#!/bin/sh
# Run a server command with the background-task worker beside it (`manage.py db_worker`,
# django-tasks-db: large imports run there), and stop the worker when the server stops.
# Usage: [PY=.venv/bin/python] scripts/with-worker.sh SERVER-COMMAND...
"${PY:-.venv/bin/python}" manage.py db_worker --no-startup-delay --interval 1 &
worker=$!
# With DEBUG the worker reloads on code changes: its reloader runs it as a child, so
# stop that child too (by its parent's id), or it would outlive the server.
trap 'kill $(pgrep -P "$worker") "$worker" 2>/dev/null; wait "$worker" 2>/dev/null' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
"$@"
