"""Large imports answer 202 and run as a background task: over real HTTP, with the
worker (`manage.py db_worker`) really running as a process on the test database."""

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from annotator import services
from annotator.models import Annotation, ImportJob
from articles.models import Article
from tests import factories
from tests.worker import run_worker, start_worker, worker_environment


def _queue(live_server, settings, user, body: str):
    """POST `body` as a doccano import large enough for the background (over 2,000
    labels); returns the 202 response and the header that reads its task as `user`."""
    settings.IMPORT_BACKGROUND_RECORDS = 2_000
    auth = {"Authorization": f"Token {factories.make_token(user)}"}
    response = httpx.post(
        f"{live_server.url}/api/import/?format=doccano", content=body.encode(),
        headers={**auth, "Content-Type": "application/x-ndjson"}, timeout=60,
    )  # fmt: skip
    assert response.status_code == 202, response.text
    return response, auth


def test_a_large_import_answers_202_and_the_worker_writes_it_with_progress(
    live_server, settings, tags, alice
):
    response, auth = _queue(live_server, settings, alice, factories.doccano_file(40, 500))
    body = response.json()
    assert response.headers["Location"] == body["task"]
    assert body["task"].startswith(f"{live_server.url}/api/import/tasks/")
    assert (body["status"], body["progress"]) == ("queued", {"done": 0, "total": 20_000})
    assert httpx.get(body["task"], headers=auth).json()["status"] == "queued"
    assert Annotation.objects.count() == 0  # nothing yet: the worker has not run

    worker = start_worker()
    seen = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        task = httpx.get(body["task"], headers=auth, timeout=30).json()
        seen.append((task["status"], task["progress"]["done"]))
        if task["status"] in {"done", "failed"}:
            break
        time.sleep(0.02)
    output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, output

    assert task == {
        "task": body["task"],
        "status": "done",
        "progress": {"done": 20_000, "total": 20_000},
        "result": {"created": 20_000, "skipped": 0, "articles_created": 40},
    }
    running = [done for status, done in seen if status == "running"]
    assert running, seen
    if connection.vendor == "postgresql":
        # Written as it goes, on a connection of its own, while the import's single
        # transaction is still open.
        assert any(0 < done < 20_000 for done in running), seen
    else:
        # SQLite has one writer at a time, and the import holds it to the end.
        assert set(running) == {0}
    assert Annotation.objects.count() == 20_000
    history = Annotation.history.all()
    assert history.count() == 20_000
    assert set(history.values_list("history_type", "history_user_id").distinct()) == {
        ("+", alice.pk)
    }
    assert bytes(ImportJob.objects.get().data) == b""  # the file is not kept


def test_a_background_import_that_fails_writes_nothing_and_says_why(
    live_server, settings, tags, alice
):
    file = factories.doccano_file(20, 500, bad_last=True)
    response, auth = _queue(live_server, settings, alice, file)
    run_worker()
    task = httpx.get(response.json()["task"], headers=auth)
    assert task.status_code == 200
    body = task.json()
    assert body["status"] == "failed" and "result" not in body
    # The sentence the synchronous import answers with its 400.
    assert body["error"]["detail"].startswith("line 20, label 500: start: start (5)")
    assert "Nothing was imported" in body["error"]["detail"]
    assert (Annotation.objects.count(), Annotation.history.count(), Article.objects.count()) == (
        0, 0, 0,
    )  # fmt: skip


def test_an_import_whose_worker_is_killed_reads_failed_with_nothing_imported(
    live_server, settings, tags, alice
):
    response, auth = _queue(live_server, settings, alice, factories.doccano_file(60, 500))
    task_url = response.json()["task"]
    worker = start_worker()
    try:
        deadline = time.monotonic() + 60
        while httpx.get(task_url, headers=auth, timeout=30).json()["status"] != "running":
            assert time.monotonic() < deadline and worker.poll() is None
            time.sleep(0.01)
        worker.kill()  # SIGKILL mid-import: no chance to record anything
    finally:
        worker.kill()
        worker.communicate(timeout=30)

    task = httpx.get(task_url, headers=auth, timeout=30).json()
    assert task["status"] == "failed", task
    assert task["error"]["code"] == "interrupted"
    assert task["error"]["detail"].startswith("The import stopped before it finished")
    assert "nothing was imported" in task["error"]["detail"]
    assert (Annotation.objects.count(), Annotation.history.count(), Article.objects.count()) == (
        0, 0, 0,
    )  # fmt: skip
    job = ImportJob.objects.get()
    assert bytes(job.data) == b"" and job.finished is not None
    # The import page says it too, and stops asking.
    page = httpx.get(
        f"{live_server.url}/import/tasks/{job.pk}/",
        cookies=_session_cookie(live_server, alice), timeout=30,
    )  # fmt: skip
    assert page.status_code == 200
    assert "The import stopped before it finished" in page.text
    assert "hx-trigger" not in page.text.split('id="import-task"')[1].split(">")[0]


def _session_cookie(live_server, user) -> dict:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {"sessionid": client.cookies["sessionid"].value}


@pytest.mark.parametrize(
    ("worker", "silent_for", "status"),
    [
        ("worker-elsewhere.example:1:4242", 301, "failed"),  # silent too long
        ("worker-elsewhere.example:1:4242", 30, "running"),  # reported lately
        ("this-host:another-pid-namespace:4242", 301, "failed"),  # another container
        ("this-host:another-pid-namespace:4242", 30, "running"),
        (None, 3600, "running"),  # on this host, and alive (this very process)
        ("gone", 0, "failed"),  # on this host, and its process has ended
    ],
)
def test_a_running_import_reads_failed_only_when_its_worker_is_gone(
    http, settings, alice, worker, silent_for, status
):
    import socket
    from datetime import timedelta

    from django.utils import timezone

    settings.IMPORT_HEARTBEAT_TIMEOUT = 300

    def _worker(name):
        here = services.import_job_worker()  # host:pid-namespace:pid
        if name is None:
            return here
        if name == "gone":  # a process that has ended: a child, waited for
            child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                                   capture_output=True, text=True, check=True)  # fmt: skip
            return f"{here.rsplit(':', 1)[0]}:{child.stdout.strip()}"
        return name.replace("this-host", socket.gethostname())

    job = ImportJob.objects.create(
        user=alice, source=ImportJob.Source.API, format="doccano", data=b"{}", total=10,
        status=ImportJob.Status.RUNNING,
        worker=_worker(worker),
        heartbeat=timezone.now() - timedelta(seconds=silent_for),
    )  # fmt: skip
    body = http.get(f"/import/tasks/{job.pk}/").json()
    assert body["status"] == status
    job.refresh_from_db()
    assert job.status == status
    assert (bytes(job.data) == b"") == (status == "failed")


@pytest.fixture
def queued(settings, tags, alice):
    """A background import alice started (the worker not run)."""
    client = APIClient()
    client.force_authenticate(alice)
    line = json.dumps({"text": "Officials said the bridge will open.", "title": "Bridge",
                       "label": [[0, 14, "fact"]]})  # fmt: skip
    response = client.post(
        "/api/import/?format=doccano", line, content_type="text/plain",
        HTTP_PREFER="respond-async",
    )  # fmt: skip
    assert response.status_code == 202, response.content
    return response.json()["task"]


def test_a_job_keeps_the_language_it_was_started_in(settings, tags, alice):
    """For the sentences written after the request: by the worker, or by whoever
    finds the worker gone (prune_import_jobs runs in English)."""
    client = APIClient()
    client.force_authenticate(alice)
    line = json.dumps({"text": "Officials said it.", "label": [[0, 9, "fact"]]})
    response = client.post(
        "/api/import/?format=doccano", line, content_type="text/plain",
        HTTP_PREFER="respond-async", HTTP_ACCEPT_LANGUAGE="es",
    )  # fmt: skip
    assert response.status_code == 202, response.content
    assert ImportJob.objects.get().language == "es"


def test_only_the_person_who_started_an_import_or_an_admin_reads_its_task(queued, bob):
    path = queued.removeprefix("http://testserver")
    other = APIClient()
    other.force_authenticate(bob)
    response = other.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert APIClient().get(path).status_code == 401
    admin = factories.make_user("root", is_superuser=True, is_staff=True)
    other.force_authenticate(admin)
    assert other.get(path).json()["status"] == "queued"
    assert other.get(f"/api/import/tasks/{uuid.uuid4()}/").status_code == 404


def test_a_small_import_stays_synchronous_unless_asked_to_run_in_the_background(
    tags, alice, queued
):
    client = APIClient()
    client.force_authenticate(alice)
    line = json.dumps({"text": "The bridge will open next year.", "title": "Bridge 2",
                       "label": [[4, 10, "fact"]]})  # fmt: skip
    response = client.post("/api/import/?format=doccano", line, content_type="text/plain")
    assert response.status_code == 201
    assert response.json() == {"created": 1, "skipped": 0, "articles_created": 1}
    # The one asked for with Prefer: respond-async waits for the worker.
    assert client.get(queued).json()["progress"] == {"done": 0, "total": 1}
    assert Annotation.objects.count() == 1


def test_a_file_that_cannot_be_read_is_a_400_at_once_not_a_task(settings, tags, alice):
    settings.IMPORT_BACKGROUND_RECORDS = 0
    client = APIClient()
    client.force_authenticate(alice)
    response = client.post("/api/import/?format=doccano", "{broken", content_type="text/plain")
    assert response.status_code == 400
    assert not ImportJob.objects.exists()


def test_the_task_page_is_its_starters_and_htmx_gets_only_the_progress_fragment(
    client, queued, alice, bob
):
    page = f"/import/tasks/{queued.rstrip('/').rsplit('/', 1)[1]}/"
    client.force_login(bob)
    assert client.get(page).status_code == 404
    client.force_login(alice)
    full = client.get(page)
    assert full.status_code == 200
    assert b"<html" in full.content and b'id="import-task"' in full.content
    assert b"Waiting to start: 1 annotation to import." in full.content
    fragment = client.get(page, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and b"<html" not in fragment.content
    assert fragment.content.lstrip().startswith(b'<div id="import-task"')
    assert b'hx-trigger="every 1s"' in fragment.content

    # Running, nothing reported yet (SQLite reports only at the end): a moving bar, no
    # "0 of 1"; then the figures as they come.
    job = ImportJob.objects.get()
    job.status, job.worker = ImportJob.Status.RUNNING, services.import_job_worker()
    job.save()
    fragment = client.get(page, HTTP_HX_REQUEST="true").content.decode()
    assert "Writing 1 annotation…" in fragment
    assert "<progress" in fragment and "value=" not in fragment.split("<progress")[1].split(">")[0]
    ImportJob.objects.filter(pk=job.pk).update(done=1, total=2)
    fragment = client.get(page, HTTP_HX_REQUEST="true").content.decode()
    assert "1 of 2 annotations written." in fragment
    assert 'value="1"' in fragment.split("<progress")[1].split(">")[0]


def test_the_server_command_runs_with_a_worker_beside_it_that_stops_with_it(
    transactional_db, queued, tmp_path
):
    """scripts/with-worker.sh, as `make serve` and `make run` use it: the queued import
    is done while the "server" runs, and no worker is left once the server stops."""
    stop = tmp_path / "stop"
    server = (
        f'for i in $(seq 600); do [ -e "{stop}" ] && exit 0; sleep 0.1; done; exit 1'
    )
    script = subprocess.Popen(  # noqa: S603 - our own command line
        [str(settings.BASE_DIR / "scripts" / "with-worker.sh"), "/bin/sh", "-c", server],
        cwd=settings.BASE_DIR,
        env=worker_environment() | {"PY": sys.executable},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    job = ImportJob.objects.get()
    deadline = time.monotonic() + 60
    while not job.is_finished and time.monotonic() < deadline:
        time.sleep(0.1)
        job.refresh_from_db()
    children = Path(f"/proc/{script.pid}/task/{script.pid}/children").read_text().split()
    workers = [
        pid for pid in children if b"db_worker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]
    stop.touch()
    assert script.wait(timeout=30) == 0
    assert job.status == "done" and job.result["created"] == 1
    assert len(workers) == 1
    time.sleep(0.5)
    assert not Path(f"/proc/{workers[0]}").exists()
