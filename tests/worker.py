"""The background-task worker (`manage.py db_worker`, django-tasks-db) as a real process
on this run's test database, as `make serve` runs it beside the server."""

import os
import subprocess
import sys

from django.conf import settings
from django.db import connection

COMMAND = [
    sys.executable, "manage.py", "db_worker",
    "--batch", "--no-startup-delay", "--no-reload", "--interval", "0", "-v", "0",
]  # fmt: skip


def worker_environment() -> dict:
    """The environment that points a process at this run's test database."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        url = (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        )
    else:
        url = f"sqlite:///{db['NAME']}"
    return {**os.environ, "DATABASE_URL": url}


def start_worker() -> subprocess.Popen:
    """A worker that runs every queued task, then exits."""
    return subprocess.Popen(  # noqa: S603 - our own command line
        COMMAND, cwd=settings.BASE_DIR, env=worker_environment(),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def run_worker(timeout: float = 120) -> str:
    """Run the queued tasks to the end; the worker's output."""
    worker = start_worker()
    output, _ = worker.communicate(timeout=timeout)
    assert worker.returncode == 0, output
    return output
