"""Finding 3: with PostgreSQL down, the app (as `make serve` runs it) answers 503 with
Retry-After: JSON under /api/, a calm page otherwise, /healthz says so; it writes
nothing half-done, and recovers by itself when the database is back.

The database is a private cluster the test makes (initdb on port 8145's neighbour
range, 5441-5449) and stops, never the shared one."""

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from tests.faults.server import free_port, serve

ROOT = Path(settings.BASE_DIR)
BIN = next(
    (
        str(Path(p).parent)
        for p in ["/usr/local/bin/initdb", *sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))]
        if Path(p).exists()
    ),
    None,
)
PORTS = range(5441, 5450)

SEED = """
from django.contrib.auth import get_user_model
from annotator.services import tokens
from articles import services
from tests import factories
factories.ensure_default_tags()
alice = get_user_model().objects.create_user("alice", password="outage-pass-2026")
services.article_create(title="The Bridge", text=factories.SAMPLE_TEXT, created_by=alice)
print(tokens.token_create(user=alice)[1])
"""


def _as_postgres(command: str) -> None:
    if os.geteuid() == 0:
        subprocess.run(["su", "postgres", "-s", "/bin/bash", "-c", command], check=True)  # noqa: S603, S607
    else:
        subprocess.run(["bash", "-c", command], check=True)  # noqa: S603, S607


class Cluster:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="claimmark-outage-")
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self.port = next(p for p in PORTS if _port_free(p))
        self.data = f"{self.dir}/pg"
        _as_postgres(f"{BIN}/initdb -D {self.data} -U postgres --auth=trust >/dev/null")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def start(self):
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        _as_postgres(f"{BIN}/pg_ctl -D {self.data} -o '{options}' -l {self.dir}/pg.log start -w")

    def stop(self):
        _as_postgres(f"{BIN}/pg_ctl -D {self.data} -m immediate stop")

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def _port_free(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture
def cluster():
    if BIN is None:
        pytest.fail("The outage test needs PostgreSQL's initdb (apt-get install postgresql).")
    one = Cluster()
    one.start()
    try:
        yield one
    finally:
        try:
            one.stop()
        except subprocess.CalledProcessError:
            pass
        one.remove()


def _manage(url: str, *args: str, stdin: str | None = None) -> str:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SECRET_KEY": settings.SECRET_KEY}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(  # noqa: S603
        [str(ROOT / ".venv/bin/python"), "manage.py", *args],
        cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout


def _signed_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    csrf = client.get("/accounts/login/").cookies["csrftoken"]
    response = client.post(
        "/accounts/login/",
        data={"username": "alice", "password": "outage-pass-2026", "csrfmiddlewaretoken": csrf},
        headers={"Referer": f"{base}/accounts/login/"},
    )
    assert response.status_code == 302, response.text[:500]
    return client


def test_a_database_outage_is_a_503_and_the_app_recovers_by_itself(cluster):
    _manage(cluster.url, "migrate", "--noinput", "-v0")
    _manage(cluster.url, "createcachetable")
    key = _manage(cluster.url, "shell", stdin=SEED).strip().splitlines()[-1]
    token = {"Authorization": f"Token {key}"}
    new = {"start": 0, "end": 9, "tag": "fact"}
    port = free_port()
    with serve(workers=2, port=port, database=cluster.url, DJANGO_DB_POOL_TIMEOUT="2") as base:
        page = _signed_in(base)
        assert httpx.get(f"{base}/healthz").json()["database"] == "ok"
        assert httpx.get(f"{base}/api/articles/", headers=token).status_code == 200
        assert page.get("/articles/the-bridge/").status_code == 200

        cluster.stop()
        api = httpx.get(f"{base}/api/articles/", headers=token, timeout=30)
        assert api.status_code == 503, api.text[:500]
        assert api.json()["code"] == "unavailable" and "Try again" in api.json()["detail"]
        assert api.headers["Retry-After"] == "5"
        write = httpx.post(
            f"{base}/api/articles/the-bridge/annotations/", headers=token, json=new, timeout=30
        )
        assert write.status_code == 503 and write.json()["code"] == "unavailable"
        reader = page.get("/articles/the-bridge/")
        assert reader.status_code == 503 and reader.headers["Retry-After"] == "5"
        assert "Back in a moment" in reader.text and "Traceback" not in reader.text
        health = httpx.get(f"{base}/healthz", timeout=30)
        assert health.status_code == 503 and health.json()["database"] == "unavailable"

        cluster.start()
        # Each worker's pool reconnects by itself (with a backoff that grew during the
        # outage): wait until pages, API and health answer several times in a row.
        began, deadline, in_a_row = time.monotonic(), time.monotonic() + 60, 0
        while in_a_row < 8:
            assert time.monotonic() < deadline, "the app did not recover within 60 s"
            answers = [
                httpx.get(f"{base}/healthz", timeout=30).status_code,
                httpx.get(f"{base}/api/articles/", headers=token, timeout=30).status_code,
                page.get("/articles/the-bridge/").status_code,
            ]
            in_a_row = in_a_row + 1 if answers == [200, 200, 200] else 0
            time.sleep(0.25)
        print(f"recovered {time.monotonic() - began:.1f} s after PostgreSQL started")
        assert page.get("/articles/the-bridge/").status_code == 200
        listed = httpx.get(f"{base}/api/articles/the-bridge/annotations/", headers=token)
        assert listed.status_code == 200 and listed.json()["results"] == []  # nothing half-done
        made = httpx.post(f"{base}/api/articles/the-bridge/annotations/", headers=token, json=new)
        assert made.status_code == 201
