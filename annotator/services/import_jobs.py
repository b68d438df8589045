"""Background imports: the ImportJob row a task reads its file from and reports to.

The import itself runs in one transaction (all or nothing), so progress written inside
it would stay invisible until the end. Progress goes through a connection of its own,
which commits each figure at once (PostgreSQL). SQLite allows one writer at a time and
the import holds that lock, so there the figures stay at 0 until the import ends.

A worker can end mid-way (a restart, a kill, a machine lost): its transaction is rolled
back, so nothing was imported, but the job would read "running" for ever. The job keeps
its worker (host, pid namespace, pid) and a heartbeat (each progress figure); whoever reads it next
(import_job_refresh) fails it with a sentence when that process is gone from this host (and
container), or, for a worker elsewhere, when it has been silent for
settings.IMPORT_HEARTBEAT_TIMEOUT seconds.
"""

import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from annotator.models import ImportJob


def _pid_namespace() -> str:
    """Which process-id space this process is in (Linux; "" elsewhere): two containers
    may share a host name but never a pid namespace."""
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return ""


def import_job_worker() -> str:
    """How a job names the process running it: "host:pid-namespace:pid"."""
    return f"{socket.gethostname()}:{_pid_namespace()}:{os.getpid()}"


def import_job_create(
    *, user, source: str, fmt: str, name: str, data: bytes, total: int, language: str = ""
) -> ImportJob:
    """A queued job for `user` holding `data`, its sentences to be written in
    `language`. Precondition: called in the transaction that enqueues its task, so a
    worker never meets a task without its job."""
    return ImportJob.objects.create(
        user=user, source=source, format=fmt, name=name[:255], data=data, total=total,
        language=language,
    )  # fmt: skip


def import_job_start(*, job: ImportJob) -> None:
    """Mark `job` running, committed before the import's own transaction begins."""
    with transaction.atomic():
        job.status = ImportJob.Status.RUNNING
        job.done = 0
        job.worker = import_job_worker()
        job.heartbeat = timezone.now()
        job.save(update_fields=["status", "done", "worker", "heartbeat"])


@contextmanager
def import_job_progress(*, job: ImportJob) -> Iterator[Callable[[int, int], None]]:
    """A callback (done, total) that records progress at once, outside the import's
    transaction, on a second connection; a no-op on SQLite (see the module's note)."""
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        yield lambda done, total: None
        return
    table = connections[DEFAULT_DB_ALIAS].ops.quote_name(ImportJob._meta.db_table)
    # A connection not registered in `connections`: its own session, in autocommit.
    side = connections.create_connection(DEFAULT_DB_ALIAS)

    def report(done: int, total: int) -> None:
        with side.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET done = %s, total = %s, heartbeat = %s WHERE id = %s",  # noqa: S608 - the model's table; values as parameters
                [done, total, timezone.now(), job.pk],
            )

    try:
        yield report
    finally:
        side.close()


def import_job_finish(*, job: ImportJob, result: dict) -> None:
    """Record `result` (what the synchronous import answers) and drop the file."""
    with transaction.atomic():
        job.status = ImportJob.Status.DONE
        job.result = result
        job.done = job.total
        job.data = b""
        job.finished = timezone.now()
        job.save(update_fields=["status", "result", "done", "data", "finished"])


def import_job_fail(*, job: ImportJob, detail: str, code: str) -> None:
    """Record why `job` wrote nothing, and drop the file."""
    with transaction.atomic():
        job.status = ImportJob.Status.FAILED
        job.error = {"detail": detail, "code": code}
        job.done = 0
        job.data = b""
        job.finished = timezone.now()
        job.save(update_fields=["status", "error", "done", "data", "finished"])


def _process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # no signal sent: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:  # someone else's process: it exists
        return False
    return False


def import_job_interrupted(job: ImportJob) -> bool:
    """Whether `job` reads "running" but its worker ended before finishing it: the
    process is gone (a worker on this host), or silent for longer than
    settings.IMPORT_HEARTBEAT_TIMEOUT (a worker elsewhere, which this host cannot ask)."""
    if job.status != ImportJob.Status.RUNNING:
        return False
    place, _colon, pid = job.worker.rpartition(":")
    if place == f"{socket.gethostname()}:{_pid_namespace()}" and pid.isdigit():
        return _process_gone(int(pid))
    timeout = timedelta(seconds=settings.IMPORT_HEARTBEAT_TIMEOUT)
    return job.heartbeat is None or timezone.now() - job.heartbeat > timeout


def import_job_refresh(job: ImportJob) -> ImportJob:
    """`job` as its reader should see it: failed, with a sentence, its file dropped,
    when its worker ended mid-way (import_job_interrupted); unchanged otherwise. The
    change is made only if the job is still as read (its worker may finish meanwhile)."""
    if not import_job_interrupted(job):
        return job
    with translation.override(job.language or translation.get_language()):
        detail = _(
            "The import stopped before it finished, because the process running it "
            "ended (a restart or a crash), so nothing was imported. Start it again."
        )
    error = {"detail": detail, "code": "interrupted"}
    with transaction.atomic():
        ImportJob.objects.filter(
            pk=job.pk, status=ImportJob.Status.RUNNING, worker=job.worker
        ).update(
            status=ImportJob.Status.FAILED, error=error, done=0, data=b"",
            finished=timezone.now(),
        )  # fmt: skip
    job.refresh_from_db()
    return job


def import_jobs_prune(*, keep_days: int) -> tuple[int, int]:
    """Fail the running jobs whose worker ended (dropping their files), then delete the
    finished jobs older than `keep_days`; (deleted, failed as interrupted)."""
    interrupted = 0
    for job in ImportJob.objects.filter(status=ImportJob.Status.RUNNING).defer("data"):
        if import_job_refresh(job).status == ImportJob.Status.FAILED:
            interrupted += 1
    cutoff = timezone.now() - timedelta(days=keep_days)
    deleted, _per_model = ImportJob.objects.filter(finished__lt=cutoff).delete()
    return deleted, interrupted
