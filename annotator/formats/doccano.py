"""doccano JSONL: one article per line, {"text", "title", "slug", "revision", "label":
[[start, end, tag], ...]}. The labels index the text on the line, the article's current
revision, so orphaned annotations (whose offsets index an older text) are left out."""

import json
from collections.abc import Iterator

from annotator.formats.records import (
    CHUNK_SIZE,
    ImportRecord,
    decode,
    fail,
    load_json,
    whole_number,
)
from annotator.models import Annotation
from articles.models import Article

CONTENT_TYPE = "application/x-ndjson; charset=utf-8"
SUFFIX = ".doccano.jsonl"


FIELDS = ("article_id", "start", "end", "tag__key", "settled_tag__key", "review_status")


def export(queryset, base_url: str) -> Iterator[str]:
    # One article per line; its labels are written as they are read, so an article with
    # many annotations does not build a big list first. Each label carries the final tag
    # (the settled one) where a curator settled the annotation, else its own tag.
    current = None
    placed = queryset.exclude(anchor=Annotation.Anchor.ORPHANED)
    for row in placed.values_list(*FIELDS).iterator(chunk_size=CHUNK_SIZE):
        article_id, start, end, own_tag, settled_tag, status = row
        tag = settled_tag if status == Annotation.Status.SETTLED else own_tag
        if article_id != current:
            if current is not None:
                yield "]}\n"
            article = Article.objects.only("slug", "title", "text", "version").get(pk=article_id)
            head = {
                "text": article.text,
                "title": article.title,
                "slug": article.slug,
                "revision": article.version,
            }
            yield json.dumps(head, ensure_ascii=False)[:-1] + ', "label": ['
            current = article_id
        else:
            yield ", "
        yield json.dumps([start, end, tag])
    if current is not None:
        yield "]}\n"


def parse(data: bytes | str) -> list[ImportRecord]:
    """Records from doccano JSONL; the article is found by its text or created."""
    records = []
    for number, line in enumerate(decode(data).splitlines(), start=1):
        if not line.strip():
            continue
        where = f"line {number}"
        row = load_json(line, where)
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise fail(where, 'each line must be a JSON object with "text" and "label".')
        labels = row.get("label", row.get("labels", []))
        if not isinstance(labels, list):
            raise fail(where, '"label" must be a list of [start, end, tag].')
        title = row.get("title") if isinstance(row.get("title"), str) else ""
        slug = row.get("slug") if isinstance(row.get("slug"), str) else ""
        revision = row.get("revision")
        if revision is not None and (
            isinstance(revision, bool) or not isinstance(revision, int) or revision < 1
        ):
            raise fail(where, f'"revision" must be a revision number, not {revision!r}.')
        for index, label in enumerate(labels, start=1):
            where_label = f"{where}, label {index}"
            if not (isinstance(label, list) and len(label) == 3 and isinstance(label[2], str)):
                raise fail(where_label, "a label must be [start, end, tag].")
            records.append(
                ImportRecord(
                    where_label,
                    whole_number(label[0], "start", where_label),
                    whole_number(label[1], "end", where_label),
                    label[2].lower(),
                    text=row["text"],
                    title=title,
                    slug=slug,
                    revision=revision,
                )
            )
    return records
