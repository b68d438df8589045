#!/usr/bin/env bash
# What the change feed costs a create: ../shared/bench/bench.py W1 against the floor,
# Claimmark before issue 10 (BASE_TREE, a checkout of that commit) and this tree, one
# after the other in one sitting, each on its own PostgreSQL database, 2 processes each
# (floor: gunicorn sync workers; Claimmark: `make serve`'s gunicorn + uvicorn workers).
#   BASE_TREE=/tmp/claimmark-base bash bench/w1_event_cost.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
PY=$HERE/.venv/bin/python
SHARED=${SHARED:-$HERE/../shared}
[ -d "$SHARED/bench" ] || SHARED=/work/shared
PG=${BENCH_POSTGRES:-postgres://postgres@127.0.0.1:5432}
OUT=${OUT:-/tmp/w1-event-cost}
mkdir -p "$OUT"
ARGS="--workloads w1 --repeat 1 --seq-n 300 --conc-n 800"

fresh_db() { psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null; }

run_claimmark() {  # tree port db label
  local tree=$1 port=$2 db=$3 label=$4
  fresh_db "$db"
  export DATABASE_URL=$PG/$db DJANGO_SECRET_KEY=bench-$RANDOM-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx \
    DJANGO_ALLOWED_HOSTS=127.0.0.1 DJANGO_SECURE_COOKIES=0 DJANGO_LOG_LEVEL=${DJANGO_LOG_LEVEL:-WARNING}
  (cd "$tree" && $PY manage.py migrate -v0 && $PY manage.py collectstatic --noinput -v0 &&
   $PY manage.py shell -c "from django.contrib.auth import get_user_model; get_user_model().objects.create_user('bench', password='bench')")
  (cd "$tree" && exec "$HERE/.venv/bin/gunicorn" annotator.asgi:application -k uvicorn_worker.UvicornWorker \
     --workers 2 --no-control-socket --bind 127.0.0.1:$port) &
  local pid=$!
  trap 'kill $pid 2>/dev/null || true' EXIT
  until curl -sf -o /dev/null http://127.0.0.1:$port/accounts/login/; do sleep 0.3; done
  $PY "$SHARED/bench/bench.py" --target ours --base-url http://127.0.0.1:$port \
    --username bench --password bench $ARGS --json-out "$OUT/$label.json" | tail -1 | sed "s/^/$label: /" || true
  kill "$pid"; wait "$pid" 2>/dev/null || true
  trap - EXIT
  unset DATABASE_URL
}

# ONLY=after (or before, floor) runs one of the three.
ONLY=${ONLY:-all}
if [ "$ONLY" = all ] || [ "$ONLY" = floor ]; then
fresh_db cm_floor
DATABASE_URL=$PG/cm_floor $PY "$SHARED/bench/floor.py" setup
(cd "$SHARED/bench" && DATABASE_URL=$PG/cm_floor exec "$HERE/.venv/bin/gunicorn" -w 2 --no-control-socket \
   -b 127.0.0.1:8130 floor:app) &
FLOOR=$!
until curl -s -o /dev/null http://127.0.0.1:8130/; do sleep 0.3; done
$PY "$SHARED/bench/bench.py" --target ours --base-url http://127.0.0.1:8130 --username bench \
  --password bench $ARGS --json-out "$OUT/floor.json" | tail -1 | sed "s/^/floor: /"
kill $FLOOR; wait $FLOOR 2>/dev/null || true
fi
if [ "$ONLY" = all ] || [ "$ONLY" = before ]; then
  run_claimmark "${BASE_TREE:?set BASE_TREE to a checkout of the commit before issue 10}" 8131 cm_w1_base before
fi
if [ "$ONLY" = all ] || [ "$ONLY" = after ]; then
  run_claimmark "$HERE" 8132 cm_w1_live after
fi
