"""Export of annotations: W3C Web Annotation, JSON Lines, doccano and CSV.

Exports are generators of text chunks over a chunked queryset iterator, so memory stays
flat however many annotations there are. Imports are in annotator/imports.py.
"""

import csv
import io
import json
import math
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware

from annotator.models import Annotation, Tag
from articles.models import Article

EXPORT_FORMATS = {
    # format: (content type, file name suffix)
    "w3c": ('application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"', ".jsonld"),
    "jsonl": ("application/x-ndjson; charset=utf-8", ".jsonl"),
    "doccano": ("application/x-ndjson; charset=utf-8", ".doccano.jsonl"),
    "csv": ("text/csv; charset=utf-8", ".csv"),
}
ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
CSV_COLUMNS = [
    "id", "article", "start", "end", "quote", "prefix", "suffix", "tag", "note",
    "author", "status", "version", "created", "modified",
]  # fmt: skip
CHUNK_SIZE = 2000
# Depth of nested AnnotationPages stays at or below this, whatever the total.
MAX_PAGES = 100
MIN_PAGE_SIZE = 1000


# Filters shared by the API list and the exports ------------------------------------------


def parse_since(value: str) -> datetime:
    try:
        moment = parse_datetime(value.strip().replace(" ", "+"))
    except ValueError:
        moment = None
    if moment is None:
        raise ValidationError(
            f"since must be an ISO 8601 date and time, such as 2026-01-31T12:00:00Z; "
            f"{value!r} is not one.",
            code="since",
        )
    try:
        # In UTC: PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows.
        return (make_aware(moment) if is_naive(moment) else moment).astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValidationError(
            f"since {value!r} is outside the dates that can be stored.", code="since"
        ) from None


def _refuse_nul(**params) -> None:
    # PostgreSQL cannot compare with text holding NUL; say so instead of failing.
    for name, value in params.items():
        if value and "\x00" in value:
            raise ValidationError(f"{name} holds a NUL character.", code=name)


def filter_annotations(queryset, *, tag=None, author=None, status=None, since=None):
    """Narrow `queryset` by tag key, author user name, derived status and change time.

    Unknown values raise ValidationError rather than silently matching nothing.
    """
    _refuse_nul(tag=tag, author=author, status=status, since=since)
    if tag:
        if not Tag.objects.filter(key=tag).exists():
            known = ", ".join(Tag.objects.values_list("key", flat=True))
            raise ValidationError(f"There is no tag called {tag!r}. Use one of: {known}.", "tag")
        queryset = queryset.filter(tag__key=tag)
    if author:
        if not get_user_model().objects.filter(username=author).exists():
            raise ValidationError(f"There is nobody with the user name {author!r}.", "author")
        queryset = queryset.filter(author__username=author)
    if status:
        if status not in Annotation.Status.values:
            raise ValidationError(
                f"status must be one of pending, accepted or disputed, not {status!r}.", "status"
            )
        queryset = queryset.filter_status(status)
    if since:
        queryset = queryset.filter(modified__gte=parse_since(since))
    return queryset


def export_queryset(*, article=None, tag=None, author=None, status=None):
    """Live annotations to export, ordered by article and position, without article text."""
    queryset = Annotation.objects.live()
    _refuse_nul(article=article)
    if article:
        if not Article.objects.filter(slug=article).exists():
            raise ValidationError(f"There is no article called {article!r}.", "article")
        queryset = queryset.filter(article__slug=article)
    queryset = filter_annotations(queryset, tag=tag, author=author, status=status)
    return (
        queryset.select_related("article", "author", "tag")
        .defer("article__text")
        .with_comment_count()
        .order_by("article_id", "start", "end", "id")
    )


# Export ------------------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def annotation_record(annotation: Annotation) -> dict:
    """Every field of an annotation, with its reviews and comment count (the jsonl shape)."""
    return {
        "id": annotation.pk,
        "article": annotation.article.slug,
        "start": annotation.start,
        "end": annotation.end,
        "quote": annotation.quote,
        "prefix": annotation.prefix,
        "suffix": annotation.suffix,
        "tag": annotation.tag.key,
        "note": annotation.note,
        "author": annotation.author.username,
        "status": annotation.status,  # from the prefetched reviews: no query per row
        "version": annotation.version,
        "created": _iso(annotation.created),
        "modified": _iso(annotation.modified),
        "reviews": [
            {
                "reviewer": review.reviewer.username,
                "verdict": review.verdict,
                "proposed_tag": review.proposed_tag.key if review.proposed_tag else None,
                "comment": review.comment,
                "created": _iso(review.created),
                "modified": _iso(review.modified),
            }
            for review in annotation.reviews.all()
        ],
        "comment_count": annotation.comment_count,
    }


def w3c_annotation(annotation: Annotation, *, source: str, base_url: str) -> dict:
    bodies = [{"type": "TextualBody", "purpose": "tagging", "value": annotation.tag.key}]
    if annotation.note:
        bodies.append(
            {
                "type": "TextualBody",
                "purpose": "commenting",
                "value": annotation.note,
                "format": "text/plain",
            }
        )
    return {
        "id": f"{base_url}/api/annotations/{annotation.pk}/",
        "type": "Annotation",
        "creator": {"type": "Person", "nickname": annotation.author.username},
        "created": _iso(annotation.created),
        "modified": _iso(annotation.modified),
        "body": bodies,
        "target": {
            "source": source,
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": annotation.quote,
                    "prefix": annotation.prefix,
                    "suffix": annotation.suffix,
                },
                {"type": "TextPositionSelector", "start": annotation.start, "end": annotation.end},
            ],
        },
    }


def _article_url(base_url: str, article: Article) -> str:
    return f"{base_url}{article.get_absolute_url()}"


def _rows(queryset, *, reviews: bool) -> Iterator[Annotation]:
    if reviews:
        queryset = queryset.prefetch_related("reviews__reviewer", "reviews__proposed_tag")
    return queryset.iterator(chunk_size=CHUNK_SIZE)


def _jsonl(queryset, base_url) -> Iterator[str]:
    for annotation in _rows(queryset, reviews=True):
        yield json.dumps(annotation_record(annotation), ensure_ascii=False) + "\n"


def _csv(queryset, base_url) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line(CSV_COLUMNS)
    for annotation in _rows(queryset, reviews=True):
        record = annotation_record(annotation)
        yield line([_spreadsheet_safe(record[column]) for column in CSV_COLUMNS])


def _spreadsheet_safe(value):
    # A cell starting with = + - @ (or a tab or carriage return) runs as a formula in
    # spreadsheets; a leading apostrophe shows it as the text it is (OWASP's advice).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _w3c(queryset, base_url, *, export_id: str) -> Iterator[str]:
    # Pages are nested ("next" holds the following page) so the whole collection is one
    # JSON-LD document that can be written as it is read.
    total = queryset.count()
    page_size = max(MIN_PAGE_SIZE, math.ceil(total / MAX_PAGES))
    head = {
        "@context": ANNO_CONTEXT,
        "id": export_id,
        "type": "AnnotationCollection",
        "label": "Claimmark annotations",
        "total": total,
    }
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "first": '
    sources: dict[int, str] = {}
    pages = 0
    index = 0
    for annotation in _rows(queryset, reviews=False):
        if index % page_size == 0:
            if pages:
                yield '], "next": '
            page = {
                "id": f"{export_id}#page-{pages + 1}",
                "type": "AnnotationPage",
                "partOf": export_id,
                "startIndex": index,
            }
            yield json.dumps(page)[:-1] + ', "items": ['
            pages += 1
        elif index:
            yield ", "
        source = sources.get(annotation.article_id)
        if source is None:
            source = sources[annotation.article_id] = _article_url(base_url, annotation.article)
        item = w3c_annotation(annotation, source=source, base_url=base_url)
        yield json.dumps(item, ensure_ascii=False)
        index += 1
    if not pages:
        empty = {"id": f"{export_id}#page-1", "type": "AnnotationPage", "partOf": export_id}
        yield json.dumps(empty | {"startIndex": 0, "items": []}) + "}\n"
        return
    yield "]" + "}" * pages + "}\n"


def _doccano(queryset, base_url) -> Iterator[str]:
    # One article per line; its labels are written as they are read, so an article with
    # many annotations does not build a big list first.
    current = None
    for annotation in queryset.values_list("article_id", "start", "end", "tag__key").iterator(
        chunk_size=CHUNK_SIZE
    ):
        article_id, start, end, tag = annotation
        if article_id != current:
            if current is not None:
                yield "]}\n"
            article = Article.objects.only("slug", "title", "text").get(pk=article_id)
            head = {"text": article.text, "title": article.title, "slug": article.slug}
            yield json.dumps(head, ensure_ascii=False)[:-1] + ', "label": ['
            current = article_id
        else:
            yield ", "
        yield json.dumps([start, end, tag])
    if current is not None:
        yield "]}\n"


def export_stream(
    fmt: str,
    queryset,
    *,
    base_url: str,
    export_id: str = "",
    on_progress: Callable[[int], None] | None = None,
) -> Iterator[str]:
    """Text chunks of about 64 KB holding `queryset` in format `fmt`.

    `base_url` (scheme and host, no trailing slash) makes article and annotation URLs.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValidationError(
            f"Unknown format {fmt!r}; use one of: {', '.join(EXPORT_FORMATS)}.", "format"
        )
    if fmt == "w3c":
        parts = _w3c(queryset, base_url, export_id=export_id or f"{base_url}/api/export/")
    else:
        parts = {"jsonl": _jsonl, "csv": _csv, "doccano": _doccano}[fmt](queryset, base_url)
    return _buffered(parts, on_progress)


def _buffered(parts: Iterable[str], on_progress, size: int = 64 * 1024) -> Iterator[str]:
    buffer, length, count = [], 0, 0
    for part in parts:
        buffer.append(part)
        length += len(part)
        count += 1
        if length >= size:
            yield "".join(buffer)
            buffer, length = [], 0
            if on_progress:
                on_progress(count)
    if buffer:
        yield "".join(buffer)
    if on_progress:
        on_progress(count)
