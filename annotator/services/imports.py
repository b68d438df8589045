"""Many annotations at once: an import's set-based writes, with a history row each.

annotation_create costs about ten statements an annotation; an import of 100,000 would
take many minutes. This writes one article's annotations with bulk INSERTs and copies
the rows just written into their history table (bulk_history.record_history), so each
has its "created" revision by the importing person, in the caller's transaction.
"""

from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from annotator import events
from annotator.models import Annotation, Tag
from annotator.services import revisions
from annotator.services.annotations import _current_text, _span_fields
from annotator.services.bulk_history import record_history
from annotator.services.rules import clean_note
from annotator.services.search_index import search_index_refresh

BATCH = 1000


@dataclass
class ImportItem:
    start: int
    end: int
    tag: str  # a key
    note: str = ""
    # The article revision the offsets index, when older than the current one.
    revision: int | None = None
    # Whom it is by (the importer when None), and the creator the file named when that
    # is someone without an account here (kept as provenance).
    author: object = None
    imported_from: str = ""


def annotations_import(
    *, article, actor, items: list[ImportItem], bases: dict[int, str] | None = None
) -> tuple[int, int]:
    """Create `items` as annotations on `article`, imported by `actor`; returns
    (created, skipped).

    Preconditions: called inside the transaction of the whole import (all or nothing);
    every item was checked as annotation_create checks one (rules.check_span against
    the text of the revision it names, a known tag, rules.clean_note); `bases` maps each
    older revision an item names to its text. An item whose words already carry its tag
    here (a live annotation's own tag or settled tag, by anyone), or an earlier item's,
    is skipped: importing an export back creates nothing and copies nobody's work under
    the importer's name. An item from an older revision is carried across to the
    current text (exact, moved or orphaned), as annotation_create carries one. Each has
    its "created" history row by `actor`. Readers get one "article.changed".
    """
    article = _current_text(article)  # the article's row lock, as annotation_create takes
    bases = bases or {}
    tags = dict(Tag.objects.values_list("key", "pk"))
    now = timezone.now()
    live = Annotation.objects.live().filter(article_id=article.pk)
    here = set(live.values_list("start", "end", "tag_id").iterator(chunk_size=5000))
    here |= set(
        live.filter(settled_tag__isnull=False)
        .values_list("start", "end", "settled_tag_id")
        .iterator(chunk_size=5000)
    )
    rows, skipped = [], 0
    for item in items:
        tag_id = tags[item.tag]
        fields = _fields(article, item, bases)
        key = (fields["start"], fields["end"], tag_id)
        if key in here:
            skipped += 1
            continue
        here.add(key)
        fields.update(
            article_id=article.pk,
            author_id=(item.author or actor).pk,
            imported_from=item.imported_from,
            tag_id=tag_id,
            note=clean_note(item.note),
        )
        rows.append(fields)
    if connection.vendor == "postgresql":
        made = _copy(rows, now)
    else:
        objects = [Annotation(created=now, modified=now, **row) for row in rows]
        made = [a.pk for a in Annotation.objects.bulk_create(objects, batch_size=BATCH)]
    record_history(Annotation, made, user=actor, reason=None, date=now, history_type="+")
    search_index_refresh(annotation_ids=made)
    if made:
        events.record(
            "article.changed", article_id=article.pk, actor=actor, payload={"reason": "import"}
        )
    return len(made), skipped


def _copy(rows: list[dict], now) -> list[int]:
    """Write `rows` (attribute name: value; the model's defaults for the rest) with
    PostgreSQL's COPY, under ids drawn from the table's sequence first; returns them.
    Django's bulk_create prepares every value of every row through its field (about 3 s
    for 10,000 annotations here); COPY takes them as they are."""
    meta = Annotation._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_default() for f in fields} | {"created": now, "modified": now}
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in [meta.pk, *fields])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        with cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for pk, row in zip(ids, rows, strict=True):
                copy.write_row([pk, *(row.get(f.attname, defaults[f.attname]) for f in fields)])
    return ids


def _fields(article, item: ImportItem, bases: dict[int, str]) -> dict:
    base = bases.get(item.revision) if item.revision not in (None, article.version) else None
    if base is None:
        return _span_fields(article.text, item.start, item.end)
    carried = revisions.carry_from(article, base, item.start, item.end)
    if carried.anchor == Annotation.Anchor.ORPHANED:
        fields = _span_fields(base, item.start, item.end)
        fields.update(anchor=carried.anchor, anchor_revision=item.revision)
        return fields
    fields = _span_fields(article.text, carried.start, carried.end)
    fields["anchor"] = carried.anchor
    return fields
