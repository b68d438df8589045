"""doccano JSONL: one article per line, {"text", "title", "slug", "revision", "label":
[[start, end, tag], ...], "annotator": [...], "note": [...]}. The labels index the text
on the line, the article's current revision, so orphaned annotations (whose offsets index
an older text) are left out. `annotator` and `note` are lists aligned with `label` (the
i-th names who made the i-th label and its note): doccano keeps a line's extra keys as
metadata, so they survive a trip through doccano, and importing the file back keeps
each note."""

import json
from collections.abc import Iterator

from django.utils.translation import gettext as _

from annotator.formats import records
from annotator.formats.records import (
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


FIELDS = (
    "article_id", "start", "end", "tag__key", "settled_tag__key", "review_status",
    "author__username", "note",
)  # fmt: skip


def export(queryset, base_url: str) -> Iterator[str]:
    # One article per line; its labels are written as they are read, so an article with
    # many annotations does not build a big list first (only its authors' names and
    # notes, written after the labels). Each label carries the final tag (the settled
    # one) where a curator settled the annotation, else its own tag.
    current = None
    authors: list[str] = []
    notes: list[str] = []
    placed = queryset.exclude(anchor=Annotation.Anchor.ORPHANED)
    for row in placed.values_list(*FIELDS).iterator(chunk_size=records.CHUNK_SIZE):
        article_id, start, end, own_tag, settled_tag, status, author, note = row
        tag = settled_tag if status == Annotation.Status.SETTLED else own_tag
        if article_id != current:
            if current is not None:
                yield _tail(authors, notes)
                authors, notes = [], []
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
        authors.append(author)
        notes.append(note)
    if current is not None:
        yield _tail(authors, notes)


def _tail(authors: list[str], notes: list[str]) -> str:
    aligned = json.dumps({"annotator": authors, "note": notes}, ensure_ascii=False)
    return "], " + aligned[1:] + "\n"


def _aligned(row: dict, key: str, count: int, where: str) -> list[str] | None:
    """A list of texts aligned with the labels (`note`, `annotator`), or None."""
    values = row.get(key)
    if values is None:
        return None
    if not isinstance(values, list) or len(values) != count:
        raise fail(
            where,
            _('"%(key)s" must be a list with one entry per label (%(count)s).')
            % {"key": key, "count": count},
        )
    if not all(isinstance(value, str) for value in values):
        raise fail(where, _('each entry of "%(key)s" must be text.') % {"key": key})
    return values


def parse(data: bytes | str) -> list[ImportRecord]:
    """Records from doccano JSONL; the article is found by its text or created."""
    records = []
    for number, line in enumerate(decode(data).splitlines(), start=1):
        if not line.strip():
            continue
        where = f"line {number}"
        row = load_json(line, where)
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise fail(where, _('each line must be a JSON object with "text" and "label".'))
        labels = row.get("label", row.get("labels", []))
        if not isinstance(labels, list):
            raise fail(where, _('"label" must be a list of [start, end, tag].'))
        title = row.get("title") if isinstance(row.get("title"), str) else ""
        slug = row.get("slug") if isinstance(row.get("slug"), str) else ""
        revision = row.get("revision")
        if revision is not None and (
            isinstance(revision, bool) or not isinstance(revision, int) or revision < 1
        ):
            raise fail(
                where,
                _('"revision" must be a revision number, not %(value)s.')
                % {"value": repr(revision)},
            )
        notes = _aligned(row, "note", len(labels), where) or [""] * len(labels)
        for index, label in enumerate(labels, start=1):
            where_label = f"{where}, label {index}"
            if not (isinstance(label, list) and len(label) == 3 and isinstance(label[2], str)):
                raise fail(where_label, _("a label must be [start, end, tag]."))
            records.append(
                ImportRecord(
                    where_label,
                    whole_number(label[0], "start", where_label),
                    whole_number(label[1], "end", where_label),
                    label[2].lower(),
                    note=notes[index - 1],
                    text=row["text"],
                    title=title,
                    slug=slug,
                    revision=revision,
                )
            )
    return records
