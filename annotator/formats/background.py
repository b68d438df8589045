"""Imports too large to answer within a request, run as background tasks.

The API and the import page each decide (settings.IMPORT_BACKGROUND_RECORDS) whether an
import runs here: `import_enqueue` keeps the file in an ImportJob and queues `import_run`
in the same transaction; `manage.py db_worker` (django-tasks-db, started beside the
server by scripts/with-worker.sh) runs it. The task does exactly what the request would
have done, all or nothing, writing its progress as it goes, and leaves the answer (or
the sentence it failed with) on the job for the task URL to read.
"""

import logging
from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.tasks import task
from django.utils import translation
from django.utils.translation import gettext as _

from annotator import services
from annotator.formats import parse
from annotator.formats import preview as previews
from annotator.formats.records import import_records
from annotator.models import ImportJob
from articles.models import Article

logger = logging.getLogger(__name__)


@dataclass
class PageResult:
    """What the import page shows after an import."""

    name: str
    created: int = 0
    skipped: int = 0
    refused: int = 0
    articles_created: int = 0
    articles: list[dict] = field(default_factory=list)


def import_page_run(fmt: str, data: bytes, *, name: str, actor, on_progress=None) -> dict:
    """Import what the import page's preview of `data` lets through (the refused
    records left out), all of it or none; the result the page shows, as a dict."""
    plan = previews.import_preview(fmt, data, actor=actor)
    result = import_records(plan.to_create, actor=actor, on_progress=on_progress)
    shown = PageResult(
        name=name,
        created=result.created,
        skipped=result.skipped + len(plan.skipped),
        refused=len(plan.refused),
        articles_created=result.articles_created,
    )
    for article_plan in plan.articles:
        article = article_plan.article
        if article is None:  # created by the import: found by the text it was made from
            same = Article.objects.filter(text=article_plan.text)
            article = same.order_by("-created", "-pk").first()
        if article is not None and article_plan.create + article_plan.skip:
            shown.articles.append(
                {"title": article.title, "url": article.get_absolute_url(),
                 "created": article_plan.create, "skipped": article_plan.skip,
                 "new": article_plan.article is None}
            )  # fmt: skip
    return asdict(shown)


def api_result(result) -> dict:
    """What the API answers for an import (ImportResultSerializer's fields)."""
    return {
        "created": result.created,
        "skipped": result.skipped,
        "articles_created": result.articles_created,
    }


def import_enqueue(*, user, source: str, fmt: str, name: str, data: bytes, total: int) -> ImportJob:
    """Queue an import of `data` by `user` as a background task; returns its job.
    Precondition: `fmt` is an import format and `data` was read (for the API: parsed)."""
    language = translation.get_language() or "en"
    with transaction.atomic():
        job = services.import_job_create(
            user=user, source=source, fmt=fmt, name=name, data=data, total=total,
            language=language,
        )  # fmt: skip
        import_run.enqueue(str(job.pk), language)
    return job


@task()
def import_run(job_id: str, language: str) -> str:
    """Run the queued import `job_id`, its sentences in `language`; returns its status."""
    job = ImportJob.objects.select_related("user").filter(pk=job_id).first()
    if job is None or job.is_finished:
        return "gone"
    with translation.override(language):
        services.import_job_start(job=job)
        try:
            with services.import_job_progress(job=job) as report:
                data = bytes(job.data)
                if job.source == ImportJob.Source.API:
                    records = parse(job.format, data)
                    result = api_result(import_records(records, actor=job.user, on_progress=report))
                else:
                    result = import_page_run(
                        job.format, data, name=job.name, actor=job.user, on_progress=report
                    )
        except ValidationError as error:
            codes = [e.code for e in getattr(error, "error_list", []) if e.code]
            services.import_job_fail(
                job=job, detail=services.message_of(error), code=codes[0] if codes else "invalid"
            )
            return ImportJob.Status.FAILED
        except Exception:
            logger.exception("Import %s stopped on an unexpected error", job_id)
            services.import_job_fail(
                job=job,
                detail=_(
                    "The import stopped on an unexpected error, so nothing was imported. "
                    "Try again; if it happens again, tell an administrator."
                ),
                code="error",
            )
            raise
        services.import_job_finish(job=job, result=result)
    return ImportJob.Status.DONE
