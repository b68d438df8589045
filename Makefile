# Two commands: `make run` sets everything up and serves the app; `make test` runs the suite.
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run serve test test-quick setup install lint check bench clean

$(VENV)/.installed: pyproject.toml
	@interpreter=$$(scripts/find-python.sh) || exit 1; \
	if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$interpreter"; $$interpreter -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

# The translations (locale/*/LC_MESSAGES/*.po) are compiled to .mo on every install.
install: $(VENV)/.installed
	@$(PY) scripts/compile_messages.py

setup: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py setup_demo

# Production mode on this machine: settings from the environment (README, Configuration).
# Both `serve` and `run` start the background-task worker beside the server
# (scripts/with-worker.sh: `manage.py db_worker`, stopped with the server).
serve: install
	@test -n "$$DJANGO_SECRET_KEY" || { echo "make serve: set DJANGO_SECRET_KEY (a long random secret) first; production mode will not start without one." >&2; exit 1; }
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	PY=$(PY) scripts/with-worker.sh $(VENV)/bin/gunicorn annotator.asgi:application -k uvicorn_worker.UvicornWorker \
	  --workers $${WEB_CONCURRENCY:-2} --timeout $${GUNICORN_TIMEOUT:-30} \
	  --keep-alive $${GUNICORN_KEEPALIVE:-30} \
	  --graceful-timeout 10 --no-control-socket --bind $(HOST):$(PORT)

run: setup
	@echo "Serving on http://$(HOST):$(PORT)/ (sign in with a demo account above; Ctrl+C stops)"
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} PY=$(PY) scripts/with-worker.sh $(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# A quicker run while working: no browser, no fuzzing (CI runs everything).
test-quick: install
	$(PY) -m pytest -m "not browser and not fuzz" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) scripts/check_history_writes.py

check: install
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check

bench: install
	$(PY) bench/reader_page.py
	$(PY) bench/revisions.py --quick
	$(PY) bench/agreement_page.py
	$(PY) bench/api_load.py
	$(PY) bench/live_reader.py
	$(PY) bench/keyboard_reader.py
	$(PY) bench/search.py

clean:
	rm -rf $(VENV) staticfiles
