"""W3C Web Annotation (JSON-LD): a downloaded file is one AnnotationCollection whose
single embedded AnnotationPage holds every annotation (the model wants `next` and `prev`
to be IRIs, so pages cannot nest inside one file); each annotation's target has a
TextQuoteSelector and a TextPositionSelector, the tag is a TextualBody with purpose
"tagging" and the note one with purpose "commenting"."""

import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

from django.utils.translation import gettext as _

from annotator.formats import records
from annotator.formats.records import (
    ImportRecord,
    RevisionDates,
    decode,
    fail,
    iso,
    load_json,
    whole_number,
)
from annotator.models import Annotation
from articles.models import Article

CONTENT_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
SUFFIX = ".jsonld"
ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"


class Item(NamedTuple):
    """What a W3C annotation is written from: read as plain values by the export, or
    taken from a model instance by the paged collection (api/w3c.py)."""

    pk: int
    article_id: int
    slug: str
    article_created: datetime
    article_version: int
    anchor_revision: int | None
    tag: str
    status: str
    settled_claim_version: int
    claim_version: int
    settled_tag: str | None
    settled_reason: str
    settled_by: str | None
    settled_at: datetime | None
    note: str
    author: str
    created: datetime
    modified: datetime
    quote: str
    prefix: str
    suffix: str
    start: int
    end: int


# Item's fields as a values_list() of export_queryset(), in order.
ITEM_ROW = (
    "id", "article_id", "article__slug", "article__created", "article__version",
    "anchor_revision", "tag__key", "review_status", "settled_claim_version", "claim_version",
    "settled_tag__key", "settled_reason", "settled_by__username", "settled_at", "note",
    "author__username", "created", "modified", "quote", "prefix", "suffix", "start", "end",
)  # fmt: skip


def _item_of(annotation: Annotation) -> Item:
    settled_tag, settled_by = annotation.settled_tag, annotation.settled_by
    return Item(
        annotation.pk, annotation.article_id, annotation.article.slug,
        annotation.article.created, annotation.article.version, annotation.anchor_revision,
        annotation.tag.key, annotation.status, annotation.settled_claim_version,
        annotation.claim_version, settled_tag.key if settled_tag else None,
        annotation.settled_reason, settled_by.username if settled_by else None,
        annotation.settled_at, annotation.note, annotation.author.username, annotation.created,
        annotation.modified, annotation.quote, annotation.prefix, annotation.suffix,
        annotation.start, annotation.end,
    )  # fmt: skip


def w3c_annotation(annotation: Annotation, *, source: str, base_url: str, dates=None) -> dict:
    """One annotation. Its target's source is the article; the target's TimeState names
    the article revision its offsets refer to: `cached` is that revision's URL (the
    reader at ?revision=N) and `sourceDate` when it was made."""
    return _w3c(_item_of(annotation), source=source, base_url=base_url, dates=dates)


def _w3c(item: Item, *, source: str, base_url: str, dates=None) -> dict:
    bodies = [{"type": "TextualBody", "purpose": "tagging", "value": item.tag}]
    # Annotation.is_settled and Annotation.final_tag, on the plain values.
    settled = item.settled_claim_version == item.claim_version
    final = (
        item.settled_tag if settled else item.tag if item.status == Annotation.Status.ACCEPTED
        else None
    )  # fmt: skip
    if final is not None:
        # The agreed tag (accepted, or settled by a curator): what a team trains on.
        bodies.append({"type": "TextualBody", "purpose": "classifying", "value": final})
    if settled:
        # The settlement itself: a curator's moderation, with its reason.
        bodies.append(
            {
                "type": "TextualBody",
                "purpose": "moderating",
                "value": item.settled_reason,
                "format": "text/plain",
                "creator": {"type": "Person", "nickname": item.settled_by},
                "created": iso(item.settled_at),
            }
        )
    if item.note:
        bodies.append(
            {
                "type": "TextualBody",
                "purpose": "commenting",
                "value": item.note,
                "format": "text/plain",
            }
        )
    return {
        "id": f"{base_url}/api/annotations/{item.pk}/",
        "type": "Annotation",
        "creator": {"type": "Person", "nickname": item.author},
        "created": iso(item.created),
        "modified": iso(item.modified),
        "body": bodies,
        "target": {
            "source": source,
            "state": _state(item, source, dates or RevisionDates()),
            "selector": [
                {
                    "type": "TextQuoteSelector",
                    "exact": item.quote,
                    "prefix": item.prefix,
                    "suffix": item.suffix,
                },
                {"type": "TextPositionSelector", "start": item.start, "end": item.end},
            ],
        },
    }


def _state(item: Item, source: str, dates: RevisionDates) -> dict:
    # revision_of(): the current revision, or for an orphan the one it was orphaned from.
    revision = item.anchor_revision or item.article_version
    made = dates(item.article_id, revision) or item.article_created
    return {"type": "TimeState", "sourceDate": iso(made), "cached": f"{source}?revision={revision}"}


def export(queryset, base_url: str, *, export_id: str) -> Iterator[str]:
    # One page, written as it is read: the items array streams, so memory stays flat.
    total = queryset.count()
    page_id = f"{export_id}#page-1"
    head = {
        "@context": ANNO_CONTEXT,
        "id": export_id,
        "type": "AnnotationCollection",
        "label": "Claimmark annotations",
        "total": total,
    }
    page = {"id": page_id, "type": "AnnotationPage", "partOf": export_id, "startIndex": 0}
    if total:
        head |= {"last": page_id}  # the IRI of the last page, here the only one
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "first": '
    yield json.dumps(page)[:-1] + ', "items": ['
    sources: dict[int, str] = {}
    dates = RevisionDates()
    # Plain values read CHUNK_SIZE at a time (a server-side cursor on PostgreSQL), never
    # a model instance per annotation: memory stays flat at any size.
    found = queryset.values_list(*ITEM_ROW).iterator(chunk_size=records.CHUNK_SIZE)
    for index, row in enumerate(found):
        item = Item(*row)
        if index:
            yield ", "
        source = sources.get(item.article_id)
        if source is None:
            source = f"{base_url}{Article(slug=item.slug).get_absolute_url()}"
            sources[item.article_id] = source
        yield json.dumps(
            _w3c(item, source=source, base_url=base_url, dates=dates), ensure_ascii=False
        )
    yield "]}}\n"


# Import ------------------------------------------------------------------------------------


def _article_from_source(source, where: str, articles: dict[str, Article]) -> Article:
    if isinstance(source, dict):
        source = source.get("id") or source.get("source")
    if not isinstance(source, str) or not source:
        raise fail(where, _("the target has no source (the article's URL)."))
    path = _url(source, where).path
    match = re.search(r"/articles/([-\w]+)/?$", path)
    slug = match.group(1) if match else path.rstrip("/").rsplit("/", 1)[-1]
    if slug not in articles:
        articles[slug] = Article.objects.filter(slug=slug).first()
    if articles[slug] is None:
        raise fail(
            where,
            _("there is no article %(slug)s (from the target source %(source)s).")
            % {"slug": repr(slug), "source": repr(source)},
        )
    return articles[slug]


def _revision_from(target: dict, where: str) -> int | None:
    """The article revision a target names: ?revision=N in its TimeState's `cached` URL
    or in its source; None when it names none (the offsets refer to the current text)."""
    candidates = []
    state = target.get("state")
    for one in state if isinstance(state, list) else [state]:
        if isinstance(one, dict) and isinstance(one.get("cached"), str):
            candidates.append(one["cached"])
    source = target.get("source")
    if isinstance(source, str):
        candidates.append(source)
    for url in candidates:
        values = parse_qs(_url(url, where).query).get("revision")
        if values:
            if not values[0].isdigit() or int(values[0]) < 1:
                raise fail(
                    where,
                    _("the target names revision %(value)s, not a revision number.")
                    % {"value": repr(values[0])},
                )
            return int(values[0])
    return None


def _url(value: str, where: str):
    try:
        return urlsplit(value)
    except ValueError:
        raise fail(
            where, _("the target source %(value)s is not a URL.") % {"value": repr(value)}
        ) from None


def _page_items(page) -> list:
    items = page.get("items") or []
    if not isinstance(items, list):
        raise fail("document", _("an AnnotationPage's items must be a list of annotations."))
    return items


def _items(document) -> Iterator[dict]:
    if isinstance(document, list):
        yield from document
        return
    if not isinstance(document, dict):
        raise fail(
            "document", _("expected an AnnotationCollection, AnnotationPage or Annotation.")
        )
    kind = document.get("type")
    if kind == "Annotation":
        yield document
    elif kind == "AnnotationPage":
        while isinstance(document, dict):
            yield from _page_items(document)
            document = document.get("next")
    elif kind == "AnnotationCollection":
        first = document.get("first") or {"type": "AnnotationPage", "items": []}
        if not isinstance(first, dict) or first.get("type") != "AnnotationPage":
            raise fail("document", _("a collection's first must be an AnnotationPage."))
        yield from _items(first)
    else:
        raise fail(
            "document",
            _("expected an AnnotationCollection, not type %(kind)s.") % {"kind": repr(kind)},
        )


def annotation_items(document) -> Iterator[dict]:
    """The annotations of a W3C document: a collection, a page, a list or one annotation."""
    return _items(document)


def parse(data: bytes | str) -> list[ImportRecord]:
    """Records from a W3C Web Annotation document; the article comes from target.source."""
    document = load_json(decode(data), "document")
    records, articles = [], {}
    for number, item in enumerate(_items(document), start=1):
        where = f"annotation {number}"
        if not isinstance(item, dict):
            raise fail(where, _("an annotation must be a JSON object."))
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
            raise fail(where, _("it needs exactly one TextualBody with purpose 'tagging'."))
        target = item.get("target")
        target = target[0] if isinstance(target, list) and target else target
        if not isinstance(target, dict):
            raise fail(where, _("it has no target."))
        article = _article_from_source(target.get("source"), where, articles)
        revision = _revision_from(target, where)
        selectors = target.get("selector") or []
        selectors = selectors if isinstance(selectors, list) else [selectors]
        selectors = [s for s in selectors if isinstance(s, dict)]
        by_type = {s["type"]: s for s in selectors if isinstance(s.get("type"), str)}
        position, quote = by_type.get("TextPositionSelector"), by_type.get("TextQuoteSelector")
        exact = quote.get("exact") if quote else None
        for name in ("exact", "prefix", "suffix"):
            if quote and quote.get(name) is not None and not isinstance(quote.get(name), str):
                raise fail(
                    where, _("the TextQuoteSelector's %(name)s must be text.") % {"name": name}
                )
        if position:
            start = whole_number(position.get("start"), "start", where)
            end = whole_number(position.get("end"), "end", where)
        elif isinstance(exact, str) and exact:
            start, end = _locate(article.text, quote, where)
            revision = None  # found in the current text
        else:
            raise fail(where, _("it needs a TextPositionSelector or a TextQuoteSelector."))
        note = notes[0] if notes else ""
        records.append(
            ImportRecord(
                where, start, end, tags[0], note=note, quote=exact, article=article,
                revision=revision, creator=_creator(item.get("creator"), where),
            )
        )  # fmt: skip
    return records


def _creator(creator, where: str) -> str:
    """The user name of an annotation's creator: a Person's nickname (as exported here)
    or name, or a plain string; "" when there is none."""
    if isinstance(creator, list):
        creator = creator[0] if creator else None
    if isinstance(creator, dict):
        creator = creator.get("nickname") or creator.get("name")
    if creator is None:
        return ""
    if not isinstance(creator, str) or len(creator) > 150:
        raise fail(
            where, _("its creator must be a user name (text of at most 150 characters).")
        )
    return creator.strip()


def _locate(text: str, quote: dict, where: str) -> tuple[int, int]:
    exact = quote["exact"]
    prefix, suffix = quote.get("prefix") or "", quote.get("suffix") or ""
    for needle, offset in ((prefix + exact + suffix, len(prefix)), (exact, 0)):
        first = text.find(needle)
        if first != -1 and text.find(needle, first + 1) == -1:
            return first + offset, first + offset + len(exact)
    raise fail(where, _("its quote is not found exactly once in the article."))
