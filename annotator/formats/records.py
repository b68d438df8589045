"""What every format shares: reading annotations to export in chunks, the full record
of one annotation, and checking and writing imported records all or nothing."""

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from annotator import events, services
from annotator.models import Annotation, Review, Tag
from annotator.selectors.filters import ExportFilter, filtered_or_error
from annotator.services import revisions
from articles import services as article_services
from articles.models import TEXT_MAX_LENGTH, Article

CHUNK_SIZE = 2000
# Records written per call of services.annotations_import.
IMPORT_BATCH = 5000


# Export ------------------------------------------------------------------------------------


def export_queryset(params=None, *, user=None):
    """Live annotations to export, filtered by `params` (ExportFilter: article, tag,
    author, status, since), ordered by article and position, without article text.
    Raises ValidationError naming a filter that cannot be read."""
    queryset = filtered_or_error(
        Annotation.objects.live(), params or {}, user=user, filterset_class=ExportFilter
    )
    return (
        queryset.select_related("article", "author", "tag", "settled_tag", "settled_by")
        .defer("article__text")
        .with_status()
        .with_comment_count()
        .order_by("article_id", "start", "end", "id")
    )


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def revision_of(annotation: Annotation) -> int:
    """The article revision whose text the annotation's offsets index: the current one,
    or for an orphan, the one it was orphaned from."""
    return annotation.anchor_revision or annotation.article.version


class RevisionDates:
    """When each article revision was made, read once per (article, revision) an export
    meets: an export names the revision its offsets refer to, with its date."""

    def __init__(self):
        self.known: dict[tuple[int, int], datetime | None] = {}

    def __call__(self, article_id: int, revision: int):
        key = (article_id, revision)
        if key not in self.known:
            self.known[key] = (
                Article.history.filter(id=article_id, version=revision)
                .order_by("-history_id")
                .values_list("history_date", flat=True)
                .first()
            )
        return self.known[key]


def rows(queryset, *, reviews: bool) -> Iterator[Annotation]:
    """The annotations of `queryset`, read CHUNK_SIZE at a time (with their reviews)."""
    if reviews:
        queryset = queryset.prefetch_related(
            "reviews__reviewer", "reviews__proposed_tag", "reviews__judged_tag"
        )
    return queryset.iterator(chunk_size=CHUNK_SIZE)


def final_tag_key(annotation: Annotation) -> str | None:
    """The tag a team can rely on (Annotation.final_tag), as a key."""
    final = annotation.final_tag
    return final.key if final else None


def settlement_record(annotation: Annotation) -> dict | None:
    """The curator's settlement, current or outdated, or None."""
    if not annotation.settled_claim_version:
        return None
    return {
        "tag": annotation.settled_tag.key,
        "reason": annotation.settled_reason,
        "by": annotation.settled_by.username,
        "at": iso(annotation.settled_at),
        "claim_version": annotation.settled_claim_version,
        "current": annotation.is_settled,
    }


def annotation_record(annotation: Annotation) -> dict:
    """Every field of an annotation, with its reviews and comment count (the jsonl shape).
    `final_tag` is the settled tag, or the tag when accepted, else null; `settled` says
    whether a curator settled the current version."""
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
        "imported_from": annotation.imported_from,
        "status": annotation.status,  # annotated by with_status(): no query per row
        "final_tag": final_tag_key(annotation),
        "settled": annotation.is_settled,
        "settlement": settlement_record(annotation),
        "anchor": annotation.anchor,
        "revision": revision_of(annotation),
        "version": annotation.version,
        "claim_version": annotation.claim_version,
        "created": iso(annotation.created),
        "modified": iso(annotation.modified),
        "reviews": [
            {
                "reviewer": review.reviewer.username,
                "verdict": review.verdict,
                "proposed_tag": review.proposed_tag.key if review.proposed_tag else None,
                "comment": review.comment,
                "claim_version": review.claim_version,
                "judged_tag": review.judged_tag.key if review.judged_tag else None,
                "current": review.claim_version == annotation.claim_version,
                "created": iso(review.created),
                "modified": iso(review.modified),
            }
            for review in annotation.reviews.all()
        ],
        "comment_count": annotation.comment_count,
    }


# The fields annotation_record() reads, as plain values (no model instance per row).
RECORD_ROW = (
    "id", "article__slug", "start", "end", "quote", "prefix", "suffix", "tag__key", "note",
    "author__username", "imported_from", "review_status", "settled_claim_version",
    "claim_version",
    "settled_tag__key", "settled_reason", "settled_by__username", "settled_at", "anchor",
    "anchor_revision", "article__version", "version", "created", "modified", "comment_count",
)  # fmt: skip
REVIEW_ROW = (
    "annotation_id", "reviewer__username", "verdict", "proposed_tag__key", "comment",
    "claim_version", "judged_tag__key", "created", "modified",
)  # fmt: skip


def utc_sql(value: str, zone: str = "+00:00") -> str:
    """SQL (PostgreSQL) writing the UTC date-time `value` as Python's isoformat() does:
    microseconds only when there are any, then `zone` ("+00:00"; DRF writes "Z")."""
    # NULL stays NULL (|| of NULL); ".000000" can only be the fraction at the end.
    return (
        f"replace(to_char({value} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), "
        f"'.000000', '') || '{zone}'"
    )


def _line_sql() -> str:
    status = Annotation.Status
    return f"""
SELECT json_build_object(
  'id', r."id", 'article', r."article__slug", 'start', r."start", 'end', r."end",
  'quote', r."quote", 'prefix', r."prefix", 'suffix', r."suffix", 'tag', r."tag__key",
  'note', r."note", 'author', r."author__username", 'imported_from', r."imported_from",
  'status', r."review_status",
  'final_tag', CASE WHEN r."settled_claim_version" = r."claim_version"
    THEN r."settled_tag__key" WHEN r."review_status" = '{status.ACCEPTED.value}'
    THEN r."tag__key" END,
  'settled', r."settled_claim_version" = r."claim_version",
  'settlement', CASE WHEN r."settled_claim_version" > 0 THEN json_build_object(
    'tag', r."settled_tag__key", 'reason', r."settled_reason", 'by', r."settled_by__username",
    'at', {utc_sql('r."settled_at"')}, 'claim_version', r."settled_claim_version",
    'current', r."settled_claim_version" = r."claim_version") END,
  'anchor', r."anchor", 'revision', COALESCE(r."anchor_revision", r."article__version"),
  'version', r."version", 'claim_version', r."claim_version",
  'created', {utc_sql('r."created"')}, 'modified', {utc_sql('r."modified"')},
  'reviews', COALESCE((
    SELECT json_agg(json_build_object(
      'reviewer', reviewer.username, 'verdict', v.verdict, 'proposed_tag', proposed.key,
      'comment', v.comment, 'claim_version', v.claim_version, 'judged_tag', judged.key,
      'current', v.claim_version = r."claim_version", 'created', {utc_sql("v.created")},
      'modified', {utc_sql("v.modified")}) ORDER BY v.created, v.id)
    FROM annotator_review v
    JOIN auth_user reviewer ON reviewer.id = v.reviewer_id
    LEFT JOIN annotator_tag proposed ON proposed.id = v.proposed_tag_id
    LEFT JOIN annotator_tag judged ON judged.id = v.judged_tag_id
    WHERE v.annotation_id = r."id"), '[]'::json),
  'comment_count', r."comment_count"
)::text
FROM ({{rows}}) r ORDER BY r."article_id", r."start", r."end", r."id"
"""  # noqa: S608 - no input in the text; values are parameters


def jsonl_lines(queryset) -> Iterator[str]:
    """Each annotation_record() of `queryset` as one line of JSON. On PostgreSQL the
    database writes the JSON (tests compare it with records()), read CHUNK_SIZE lines
    at a time from a server-side cursor; elsewhere records() encoded here."""
    if connection.vendor != "postgresql":
        dumps = json.JSONEncoder(ensure_ascii=False).encode
        for record in records(queryset):
            yield dumps(record) + "\n"
        return
    rows = queryset.values_list(*RECORD_ROW, "article_id")
    sql, params = rows.query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(_line_sql().format(rows=sql), params)
        while chunk := cursor.fetchmany(CHUNK_SIZE):
            yield "".join(line + "\n" for (line,) in chunk)


def records(queryset, *, reviews: bool = True) -> Iterator[dict]:
    """annotation_record() of every annotation of `queryset` (from export_queryset), in
    its order: read as values CHUNK_SIZE rows at a time (a server-side cursor on
    PostgreSQL), each chunk's reviews in one more query. The same dicts as reading
    model instances with their prefetched reviews (tests/annotator/test_api_speed.py),
    at a fraction of the cost and memory. Without `reviews`, "reviews" is an empty list
    and no query is made for them (the CSV export has no column for them)."""
    chunk: list[tuple] = []
    for row in queryset.values_list(*RECORD_ROW).iterator(chunk_size=CHUNK_SIZE):
        chunk.append(row)
        if len(chunk) == CHUNK_SIZE:
            yield from _chunk_records(chunk, reviews)
            chunk = []
    if chunk:
        yield from _chunk_records(chunk, reviews)


def _chunk_records(chunk: list[tuple], with_reviews: bool = True) -> Iterator[dict]:
    reviews: dict[int, list[tuple]] = {}
    found = (
        Review.objects.filter(annotation_id__in=[row[0] for row in chunk])
        .order_by("created", "id")
        .values_list(*REVIEW_ROW)
    )
    for review in found if with_reviews else ():
        reviews.setdefault(review[0], []).append(review)
    for row in chunk:
        (pk, slug, start, end, quote, prefix, suffix, tag, note, author, imported_from, status,
         settled_version, claim_version, settled_tag, settled_reason, settled_by, settled_at,
         anchor, anchor_revision, article_version, version, created, modified,
         comments) = row  # fmt: skip
        settled = settled_version == claim_version
        accepted = status == Annotation.Status.ACCEPTED
        settlement = None
        if settled_version:
            settlement = {
                "tag": settled_tag, "reason": settled_reason, "by": settled_by,
                "at": iso(settled_at), "claim_version": settled_version, "current": settled,
            }  # fmt: skip
        yield {
            "id": pk, "article": slug, "start": start, "end": end, "quote": quote,
            "prefix": prefix, "suffix": suffix, "tag": tag, "note": note, "author": author,
            "imported_from": imported_from, "status": status,
            "final_tag": settled_tag if settled else tag if accepted else None,
            "settled": settled, "settlement": settlement, "anchor": anchor,
            "revision": anchor_revision or article_version, "version": version,
            "claim_version": claim_version, "created": iso(created), "modified": iso(modified),
            "reviews": [
                {
                    "reviewer": reviewer, "verdict": verdict, "proposed_tag": proposed,
                    "comment": comment, "claim_version": judged_version,
                    "judged_tag": judged_tag, "current": judged_version == claim_version,
                    "created": iso(made), "modified": iso(changed),
                }
                for (_, reviewer, verdict, proposed, comment, judged_version, judged_tag, made,
                     changed) in reviews.get(pk, ())
            ],  # fmt: skip
            "comment_count": comments,
        }  # fmt: skip


# Import ------------------------------------------------------------------------------------


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
    # The article revision the offsets refer to, when the file names one; an older one
    # is carried across to the current text as a revision carries annotations.
    revision: int | None = None
    # The user name the file gives as the annotation's creator (W3C `creator`), if any.
    creator: str = ""


@dataclass
class ImportResult:
    created: int = 0
    skipped: int = 0
    articles_created: int = 0


# The words that say where a record is ("line 3", "task 2, region r1"). A record's
# `where` is kept in English (the preview renumbers it) and put in the reader's language
# only when shown (place).
_PLACE_WORDS = re.compile(r"(^|, )(line|task|annotation|region|label|document)\b")


def _place_word(word: str) -> str:
    return {
        "line": pgettext("where in an import file", "line"),
        "task": pgettext("where in an import file", "task"),
        "annotation": pgettext("where in an import file", "annotation"),
        "region": pgettext("where in an import file", "region"),
        "label": pgettext("where in an import file", "label"),
        "document": pgettext("where in an import file", "document"),
    }[word]


def place(where: str) -> str:
    """`where` ("line 3", "task 2, region r1") in the active language."""
    return _PLACE_WORDS.sub(lambda m: m[1] + _place_word(m[2]), where)


class RecordError(ValidationError):
    """One bad record: its sentence, and its place and reason kept apart (the import
    preview lists them side by side)."""

    def __init__(self, where: str, reason: str):
        self.where, self.reason = where, reason
        super().__init__(
            _("%(where)s: %(reason)s Nothing was imported.")
            % {"where": place(where), "reason": reason},
            code="import_invalid",
        )


def fail(where: str, reason) -> ValidationError:
    """The error for one bad record: where it is, why, and that nothing was written."""
    if isinstance(reason, ValidationError):
        messages = (
            [f"{k}: {' '.join(v)}" if k != "__all__" else " ".join(v)
             for k, v in reason.message_dict.items()]
            if hasattr(reason, "error_dict")
            else reason.messages
        )  # fmt: skip
        reason = " ".join(messages)
    return RecordError(where, str(reason))


def decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(
            _("The file is not UTF-8 text (byte %(byte)s cannot be read). Nothing was imported.")
            % {"byte": error.start},
            code="import_invalid",
        ) from None


def load_json(text: str, where: str):
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise fail(where, _("this is not valid JSON (%(error)s).") % {"error": error}) from None
    # PostgreSQL cannot store NUL in text; refuse it here rather than fail while writing.
    if "\x00" in text or re.search(r"\\u0000", text, re.IGNORECASE):
        raise fail(where, _("it holds a NUL character (\\u0000), which cannot be stored."))
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        reason = _("it holds a lone surrogate (such as \\ud800), not valid Unicode.")
        raise fail(where, reason) from None
    return value


def whole_number(value, name: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(
            where,
            _("%(name)s must be a whole number, not %(value)s.")
            % {"name": name, "value": repr(value)},
        )
    return value


def _check(record: ImportRecord, tag_keys: set[str], articles_by_text: dict, bases: dict) -> None:
    text = record.article.text if record.article else record.text
    if record.article is not None and record.revision is not None:
        text = bases[record.article.pk, record.revision]
    if not isinstance(record.note, str):
        raise fail(record.where, _("the note must be text."))
    try:
        services.clean_note(record.note)
    except ValidationError as error:
        raise fail(record.where, error) from None
    if not isinstance(record.tag, str) or record.tag not in tag_keys:
        known = ", ".join(sorted(tag_keys))
        raise fail(
            record.where,
            _("there is no tag called %(tag)s. Use one of: %(known)s.")
            % {"tag": repr(record.tag), "known": known},
        )
    try:
        services.check_span(text, record.start, record.end, record.quote)
    except ValidationError as error:
        raise fail(record.where, error) from None
    if record.article is None and articles_by_text.get(record.text) is None:
        if not record.title.strip():
            raise fail(
                record.where,
                _("no article has this text, and the line has no title to create one with."),
            )
        if len(record.text) > TEXT_MAX_LENGTH:
            raise fail(record.where, _("the text is too long for one article."))


def import_records(
    records: list[ImportRecord],
    *,
    actor,
    dry_run: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Write `records` as annotations by `actor`, all or nothing.

    Every record is checked first; any bad record raises ValidationError naming it and
    nothing is written. A record whose words and tag a live annotation (by anyone)
    already has is skipped (services.annotations_import), so importing a file twice, or an export of
    this app, adds nothing.
    """
    tag_keys = set(Tag.objects.values_list("key", flat=True))
    people = _people(records, actor)
    articles_by_text: dict[str, Article | None] = {}
    named: dict[tuple, Article | None] = {}  # (slug, revision, text): one lookup per line
    for record in records:
        if record.article is None and record.revision is not None and record.slug:
            key = (record.slug, record.revision, record.text)
            if key not in named:
                _earlier_revision(record)
                named[key] = record.article
            record.article = named[key]
        if record.article is None and record.text not in articles_by_text:
            same = Article.objects.filter(text=record.text)
            articles_by_text[record.text] = (
                same.filter(slug=record.slug).first() or same.order_by("created", "pk").first()
            )
    bases = _revision_texts(records)
    for record in records:
        _check(record, tag_keys, articles_by_text, bases)
    result = ImportResult()
    if dry_run:
        result.created = len(records)
        return result
    # One "article changed" event per touched article, not one per row: readers reload.
    with transaction.atomic(), events.batched(actor=actor, reason="import"):
        groups: dict[int, tuple[Article, list[ImportRecord]]] = {}
        for record in records:
            article = record.article or articles_by_text.get(record.text)
            if article is None:
                try:
                    article = articles_by_text[record.text] = _article_for(record, actor)
                except ValidationError as error:
                    raise fail(record.where, error) from None
                result.articles_created += 1
            groups.setdefault(article.pk, (article, []))[1].append(record)
        done = 0
        for article, group in groups.values():
            own_bases = {rev: text for (pk, rev), text in bases.items() if pk == article.pk}
            # A few thousand at a time, so that a progress bar moves on a big article.
            for at in range(0, len(group), IMPORT_BATCH):
                part = group[at : at + IMPORT_BATCH]
                items = [_import_item(record, actor, people) for record in part]
                created, skipped = services.annotations_import(
                    article=article, actor=actor, items=items, bases=own_bases
                )
                result.created += created
                result.skipped += skipped
                done += len(part)
                if on_progress:
                    on_progress(done, len(records))
    if on_progress and not records:
        on_progress(0, 0)
    return result


def _people(records: list[ImportRecord], actor) -> dict:
    """The active users named as creators, by user name: only an admin's import can
    make them authors, so only then are they read (one query)."""
    if not actor.is_superuser:
        return {}
    names = {record.creator for record in records if record.creator}
    users = get_user_model().objects.filter(username__in=names, is_active=True)
    return {user.username: user for user in users}


def _authorship(creator: str, actor, people: dict):
    """Who an imported annotation is by: the person the file names when an admin
    imports and that person has an account here; else the importer, with the named
    creator kept as provenance (`imported_from`) when it is someone else."""
    if creator in people:
        return people[creator], ""
    return actor, creator if creator and creator != actor.get_username() else ""


def _import_item(record: ImportRecord, actor, people: dict):
    author, imported_from = _authorship(record.creator, actor, people)
    return services.ImportItem(
        record.start,
        record.end,
        record.tag,
        record.note,
        record.revision,
        author=author,
        imported_from=imported_from,
    )


def _earlier_revision(record: ImportRecord) -> None:
    """A doccano line naming an article (slug) and the revision whose text it holds is
    that article, to be carried across, when the article's text then was that text."""
    if record.article is not None or record.revision is None or not record.slug:
        return
    article = Article.objects.filter(slug=record.slug).first()
    if article is None:
        return
    if record.revision == article.version and article.text == record.text:
        record.article = article
        return
    then = (
        Article.history.filter(id=article.pk, version=record.revision)
        .order_by("-history_id")
        .values_list("text", flat=True)
        .first()
    )
    if then == record.text:
        record.article = article


def _revision_texts(records: list[ImportRecord]) -> dict[tuple[int, int], str]:
    """The text of each (article, revision) the records name, read once each; a
    revision the article never had fails the record that names it."""
    bases: dict[tuple[int, int], str] = {}
    for record in records:
        if record.article is None or record.revision is None:
            continue
        key = (record.article.pk, record.revision)
        if key not in bases:
            try:
                bases[key] = revisions.revision_text(record.article, record.revision)
            except ValidationError as error:
                raise fail(record.where, error) from None
    return bases


def _article_for(record: ImportRecord, actor) -> Article:
    slug = (
        record.slug if record.slug and not Article.objects.filter(slug=record.slug).exists() else ""
    )
    return article_services.article_create(
        title=record.title, text=record.text, created_by=actor, slug=slug
    )
