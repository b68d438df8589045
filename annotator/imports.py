"""Import of annotations from W3C Web Annotation and doccano files.

Every record is parsed and checked before any is written; then all are written through
the services in one transaction, so one bad record rejects the whole file with its line
or index and the reason, and nothing is half-written.
"""

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction

from annotator import services
from annotator.models import Annotation, Tag
from articles import services as article_services
from articles.models import Article

IMPORT_FORMATS = ("w3c", "doccano")


@dataclass
class ImportRecord:
    where: str  # "line 3" or "annotation 7": said in every error about this record
    start: int
    end: int
    tag: str
    note: str = ""
    quote: str | None = None
    article: Article | None = None
    # doccano: the article is found by text, or created from text and title.
    text: str | None = None
    title: str = ""
    slug: str = ""


@dataclass
class ImportResult:
    created: int = 0
    skipped: int = 0
    articles_created: int = 0


def _fail(where: str, reason) -> ValidationError:
    if isinstance(reason, ValidationError):
        messages = (
            [f"{k}: {' '.join(v)}" if k != "__all__" else " ".join(v)
             for k, v in reason.message_dict.items()]
            if hasattr(reason, "error_dict")
            else reason.messages
        )  # fmt: skip
        reason = " ".join(messages)
    return ValidationError(f"{where}: {reason} Nothing was imported.", code="import_invalid")


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            f"The file is not UTF-8 text (byte {error.start} cannot be read). "
            "Nothing was imported.",
            code="import_invalid",
        ) from None


def _json(text: str, where: str):
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise _fail(where, f"this is not valid JSON ({error}).") from None
    # PostgreSQL cannot store NUL in text; refuse it here rather than fail while writing.
    if "\x00" in text or re.search(r"\\u0000", text, re.IGNORECASE):
        raise _fail(where, "it holds a NUL character (\\u0000), which cannot be stored.")
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        reason = "it holds a lone surrogate (such as \\ud800), not valid Unicode."
        raise _fail(where, reason) from None
    return value


def _int(value, name: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(where, f"{name} must be a whole number, not {value!r}.")
    return value


def _article_from_source(source, where: str, articles: dict[str, Article]) -> Article:
    if isinstance(source, dict):
        source = source.get("id") or source.get("source")
    if not isinstance(source, str) or not source:
        raise _fail(where, "the target has no source (the article's URL).")
    match = re.search(r"/articles/([-\w]+)/?$", urlsplit(source).path)
    slug = match.group(1) if match else urlsplit(source).path.rstrip("/").rsplit("/", 1)[-1]
    if slug not in articles:
        articles[slug] = Article.objects.filter(slug=slug).first()
    if articles[slug] is None:
        raise _fail(where, f"there is no article {slug!r} (from the target source {source!r}).")
    return articles[slug]


def _w3c_items(document) -> Iterator[dict]:
    if isinstance(document, list):
        yield from document
        return
    if not isinstance(document, dict):
        raise _fail("document", "expected an AnnotationCollection, AnnotationPage or Annotation.")
    kind = document.get("type")
    if kind == "Annotation":
        yield document
    elif kind == "AnnotationPage":
        while isinstance(document, dict):
            yield from document.get("items") or []
            document = document.get("next")
    elif kind == "AnnotationCollection":
        yield from _w3c_items(document.get("first") or {"type": "AnnotationPage", "items": []})
    else:
        raise _fail("document", f"expected an AnnotationCollection, not type {kind!r}.")


def parse_w3c(data: bytes | str) -> list[ImportRecord]:
    """Records from a W3C Web Annotation document; the article comes from target.source."""
    document = _json(_decode(data), "document")
    records, articles = [], {}
    for number, item in enumerate(_w3c_items(document), start=1):
        where = f"annotation {number}"
        if not isinstance(item, dict):
            raise _fail(where, "an annotation must be a JSON object.")
        bodies = item.get("body") or []
        bodies = bodies if isinstance(bodies, list) else [bodies]
        tags = [
            b.get("value") for b in bodies if isinstance(b, dict) and b.get("purpose") == "tagging"
        ]
        notes = [
            b.get("value")
            for b in bodies
            if isinstance(b, dict) and b.get("purpose") == "commenting"
        ]
        if len(tags) != 1:
            raise _fail(where, "it needs exactly one TextualBody with purpose 'tagging'.")
        target = item.get("target")
        target = target[0] if isinstance(target, list) and target else target
        if not isinstance(target, dict):
            raise _fail(where, "it has no target.")
        article = _article_from_source(target.get("source"), where, articles)
        selectors = target.get("selector") or []
        selectors = selectors if isinstance(selectors, list) else [selectors]
        by_type = {s.get("type"): s for s in selectors if isinstance(s, dict)}
        position, quote = by_type.get("TextPositionSelector"), by_type.get("TextQuoteSelector")
        exact = quote.get("exact") if quote else None
        if position:
            start = _int(position.get("start"), "start", where)
            end = _int(position.get("end"), "end", where)
        elif isinstance(exact, str) and exact:
            start, end = _locate(article.text, quote, where)
        else:
            raise _fail(where, "it needs a TextPositionSelector or a TextQuoteSelector.")
        note = notes[0] if notes else ""
        records.append(
            ImportRecord(where, start, end, tags[0], note=note, quote=exact, article=article)
        )
    return records


def _locate(text: str, quote: dict, where: str) -> tuple[int, int]:
    exact = quote["exact"]
    prefix, suffix = quote.get("prefix") or "", quote.get("suffix") or ""
    for needle, offset in ((prefix + exact + suffix, len(prefix)), (exact, 0)):
        first = text.find(needle)
        if first != -1 and text.find(needle, first + 1) == -1:
            return first + offset, first + offset + len(exact)
    raise _fail(where, "its quote is not found exactly once in the article.")


def parse_doccano(data: bytes | str) -> list[ImportRecord]:
    """Records from doccano JSONL: one article per line, {"text", "label": [[s, e, tag]]}."""
    records = []
    for number, line in enumerate(_decode(data).splitlines(), start=1):
        if not line.strip():
            continue
        where = f"line {number}"
        row = _json(line, where)
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise _fail(where, 'each line must be a JSON object with "text" and "label".')
        labels = row.get("label", row.get("labels", []))
        if not isinstance(labels, list):
            raise _fail(where, '"label" must be a list of [start, end, tag].')
        title = row.get("title") if isinstance(row.get("title"), str) else ""
        slug = row.get("slug") if isinstance(row.get("slug"), str) else ""
        for index, label in enumerate(labels, start=1):
            where_label = f"{where}, label {index}"
            if not (isinstance(label, list) and len(label) == 3 and isinstance(label[2], str)):
                raise _fail(where_label, "a label must be [start, end, tag].")
            start = _int(label[0], "start", where_label)
            end = _int(label[1], "end", where_label)
            records.append(
                ImportRecord(
                    where_label,
                    start,
                    end,
                    label[2].lower(),
                    text=row["text"],
                    title=title,
                    slug=slug,
                )  # fmt: skip
            )
    return records


PARSERS = {"w3c": parse_w3c, "doccano": parse_doccano}


def _check(record: ImportRecord, tag_keys: set[str], articles_by_text: dict) -> None:
    text = record.article.text if record.article else record.text
    if not isinstance(record.note, str):
        raise _fail(record.where, "the note must be text.")
    if not isinstance(record.tag, str) or record.tag not in tag_keys:
        known = ", ".join(sorted(tag_keys))
        raise _fail(record.where, f"there is no tag called {record.tag!r}. Use one of: {known}.")
    try:
        services.check_span(text, record.start, record.end, record.quote)
    except ValidationError as error:
        raise _fail(record.where, error) from None
    if record.article is None and articles_by_text.get(record.text) is None:
        if not record.title.strip():
            raise _fail(
                record.where,
                "no article has this text, and the line has no title to create one with.",
            )
        if len(record.text) > article_services.TEXT_MAX_LENGTH:
            raise _fail(record.where, "the text is too long for one article.")


def import_records(
    records: list[ImportRecord],
    *,
    actor,
    dry_run: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Write `records` as annotations by `actor`, all or nothing.

    Every record is checked first; any bad record raises ValidationError naming it and
    nothing is written. A record identical to a live annotation by `actor` (same article,
    span, tag and note) is skipped, so importing the same file twice adds nothing.
    """
    tag_keys = set(Tag.objects.values_list("key", flat=True))
    articles_by_text: dict[str, Article | None] = {}
    for record in records:
        if record.article is None and record.text not in articles_by_text:
            same = Article.objects.filter(text=record.text)
            articles_by_text[record.text] = (
                same.filter(slug=record.slug).first() or same.order_by("created", "pk").first()
            )
    for record in records:
        _check(record, tag_keys, articles_by_text)
    result = ImportResult()
    if dry_run:
        result.created = len(records)
        return result
    with transaction.atomic():
        for number, record in enumerate(records, start=1):
            article = record.article or articles_by_text.get(record.text)
            try:
                if article is None:
                    article = articles_by_text[record.text] = _article_for(record, actor)
                    result.articles_created += 1
                duplicate = Annotation.objects.live().filter(
                    article=article, author=actor, start=record.start, end=record.end,
                    tag__key=record.tag, note=(record.note or "").strip(),
                )  # fmt: skip
                if duplicate.exists():
                    result.skipped += 1
                    continue
                services.annotation_create(
                    article=article,
                    author=actor,
                    start=record.start,
                    end=record.end,
                    tag=record.tag,
                    note=record.note,
                    quote=record.quote,
                )
            except ValidationError as error:
                raise _fail(record.where, error) from None
            result.created += 1
            if on_progress and number % 500 == 0:
                on_progress(number, len(records))
    if on_progress:
        on_progress(len(records), len(records))
    return result


def _article_for(record: ImportRecord, actor) -> Article:
    slug = (
        record.slug if record.slug and not Article.objects.filter(slug=record.slug).exists() else ""
    )
    return article_services.article_create(
        title=record.title, text=record.text, created_by=actor, slug=slug
    )
