#!/bin/sh
# Run a server command with the background-task worker beside it (`manage.py db_worker`,
# django-tasks-db: large imports run there), and stop the worker when the server stops.
# Usage: scripts/with-worker.sh PYTHON SERVER-COMMAND...
py=$1
shift
"$py" manage.py db_worker --no-startup-delay --interval 1 &
worker=$!
trap 'kill "$worker" 2>/dev/null; wait "$worker" 2>/dev/null' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
"$@"
