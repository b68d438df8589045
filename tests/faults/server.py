"""Run the app as `make serve` does (gunicorn, uvicorn workers, annotator.asgi), in
processes of its own, against a database the test names: for what only several
processes, a restart or a database outage can show."""

import contextlib
import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
from django.conf import settings

from tests.factories import PASSWORD

ROOT = Path(settings.BASE_DIR)
GUNICORN = ROOT / ".venv/bin/gunicorn"
# This ports (8140-8149); a free one is taken.
PORTS = range(8140, 8150)


def database_url(db=None) -> str:
    """The URL of `db` (settings.DATABASES["default"] by default: the test database)."""
    db = db or settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    auth = f"{user}:{db['PASSWORD']}" if db.get("PASSWORD") else user
    host = f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
    return f"postgres://{auth}@{host}/{db['NAME']}"


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("No free port in 8140-8149.")


def usable_by_server(*users) -> None:
    """Store the users' password (factories.PASSWORD) with Django's default hasher: the
    tests' fast MD5 hasher is not one the server accepts."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    for user in users:
        user.password = hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
        user.save(update_fields=["password"])


@contextlib.contextmanager
def serve(*, workers: int = 4, port: int | None = None, database: str | None = None, **env):
    """A running server; yields its base URL. Stops it (and waits) on leaving."""
    port = port or free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database or database_url(),
        # The tests' own key, so tokens made here (their fingerprints) hold there too.
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_PLAIN_STATIC": "1",
        "DJANGO_LOG_LEVEL": "ERROR",
        **env,
    }
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(  # noqa: S603 - our own server, fixed arguments
        [str(GUNICORN), "annotator.asgi:application", "-k", "uvicorn_worker.UvicornWorker",
         "--workers", str(workers), "--timeout", "30", "--keep-alive", "30",
         "--graceful-timeout", "5", "--no-control-socket", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"The server stopped: {log.read().decode()[-2000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=5).status_code in {200, 503}:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("The server did not answer within 60 s.")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
