"""Background imports: the ImportJob row a task reads its file from and reports to.

The import itself runs in one transaction (all or nothing), so progress written inside
it would stay invisible until the end. Progress goes through a connection of its own,
which commits each figure at once (PostgreSQL). SQLite allows one writer at a time and
the import holds that lock, so there the figures stay at 0 until the import ends.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from annotator.models import ImportJob


def import_job_create(
    *, user, source: str, fmt: str, name: str, data: bytes, total: int
) -> ImportJob:
    """A queued job for `user` holding `data`. Precondition: called in the transaction
    that enqueues its task, so a worker never meets a task without its job."""
    return ImportJob.objects.create(
        user=user, source=source, format=fmt, name=name[:255], data=data, total=total
    )


def import_job_start(*, job: ImportJob) -> None:
    """Mark `job` running, committed before the import's own transaction begins."""
    with transaction.atomic():
        job.status = ImportJob.Status.RUNNING
        job.done = 0
        job.save(update_fields=["status", "done"])


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
                f"UPDATE {table} SET done = %s, total = %s WHERE id = %s",  # noqa: S608 - the model's table; values as parameters
                [done, total, job.pk],
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
