"""Writes to annotations: create, change, delete, restore, and an admin's change.

Each one also records its event in the change feed (annotator.events), in the same
transaction."""

import json
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from annotator import events
from annotator.models import CONTEXT_LENGTH, DUPLICATE_WINDOW_SECONDS, Annotation, Event, Tag
from annotator.services import bulk_history, revisions
from annotator.services.reviews import reviews_follow_claim
from annotator.services.rules import (
    check_idempotency_key,
    check_span,
    check_tag_key,
    clean_note,
    tag_by_key,
    trim_span,
    unknown_tag,
)
from annotator.services.search_index import refresh_sql_for, search_index_refresh
from articles.models import Article


class StaleVersion(ValidationError):
    """An edit was based on a version that is no longer current."""

    def __init__(self, annotation: Annotation):
        self.current = annotation
        who = annotation.history.first()
        name = getattr(getattr(who, "history_user", None), "username", None) or _("someone")
        self.changed_by = name
        super().__init__(
            _(
                "This annotation was changed by %(name)s meanwhile (now version "
                "%(version)s). Reload it and apply your change again."
            )
            % {"name": name, "version": annotation.version},
            code="stale",
        )


def _save(annotation: Annotation, actor, reason: str | None = None) -> Annotation:
    # django-simple-history reads these two attributes when it writes the revision row.
    annotation._history_user = actor
    if reason:
        annotation._change_reason = reason
    annotation.save()
    return annotation


def _current_text(article: Article) -> Article:
    """`article` with its current text, its row locked until the transaction ends, so a
    revision cannot slip in between checking offsets against the text and saving them
    (article_revise locks the same row, then carries the annotations it finds)."""
    version = (
        Article.objects.select_for_update(no_key=True)
        .filter(pk=article.pk)
        .values_list("version", flat=True)
        .get()
    )
    if version != article.version:
        article.refresh_from_db(fields=["text", "title", "version"])
    return article


def _current_text_and_tag(article: Article, key) -> tuple[Article, Tag]:
    """_current_text(article) and tag_by_key(key): on PostgreSQL in one round trip (the
    row lock and the tag read together), since every create needs both."""
    if connection.vendor != "postgresql":
        return _current_text(article), tag_by_key(key)
    check_tag_key(key)
    quote = connection.ops.quote_name
    fields = Tag._meta.concrete_fields
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ar.version, {', '.join('t.' + quote(f.column) for f in fields)} "  # noqa: S608 - names from the models
            f"FROM {quote(Article._meta.db_table)} ar "
            f"LEFT JOIN {quote(Tag._meta.db_table)} t ON t.{quote('key')} = %s "
            "WHERE ar.id = %s FOR NO KEY UPDATE OF ar",
            [key, article.pk],
        )
        row = cursor.fetchone()
    if row is None:
        raise Article.DoesNotExist
    if row[0] != article.version:
        article.refresh_from_db(fields=["text", "title", "version"])
    if row[1] is None:
        raise unknown_tag(key)
    return article, Tag.from_db("default", [f.attname for f in fields], row[1:])


def _span_fields(text: str, start: int, end: int) -> dict:
    return {
        "start": start,
        "end": end,
        "quote": text[start:end],
        "prefix": text[max(0, start - CONTEXT_LENGTH) : start],
        "suffix": text[end : end + CONTEXT_LENGTH],
    }


def _claim(annotation: Annotation) -> tuple:
    """What a verdict judges: the tag and the span, with the words it holds (an article
    revision can change the words at the same offsets, or move the same words)."""
    return (annotation.tag_id, annotation.start, annotation.end, annotation.quote)


def _save_claim(annotation: Annotation, actor, reason: str, before: tuple) -> Annotation:
    """Save a change that may touch the claim (`before` is _claim() as it was). When the
    tag or span moved, the claim version goes up: earlier verdicts and settlements stop
    counting, and disagreements that proposed the new tag become agreements with it."""
    if _claim(annotation) == before:
        return _save(annotation, actor, reason)
    old_version = annotation.claim_version
    annotation.claim_version += 1
    _save(annotation, actor, reason)
    reviews_follow_claim(
        annotation=annotation,
        actor=actor,
        old_version=old_version,
        span_changed=before[1:] != _claim(annotation)[1:],
    )
    return annotation


class AlreadyTagged(ValidationError):
    """Someone else already tagged this very span with this tag: agree with theirs."""

    def __init__(self, existing: Annotation):
        self.existing = existing
        super().__init__(
            _(
                "%(name)s already tagged this passage %(tag)s. Agree with theirs instead "
                "of adding a copy (annotation %(id)s)."
            )
            % {
                "name": existing.author.username,
                "tag": existing.tag.display_label,
                "id": existing.pk,
            },
            code="already_tagged",
        )


def _replay(annotation: Annotation) -> Annotation:
    annotation.replayed = True
    return annotation


@transaction.atomic
def annotation_create(
    *,
    article,
    author,
    start,
    end,
    tag,
    note: str = "",
    quote: str | None = None,
    idempotency_key: str | None = None,
    allow_copy: bool = False,
    revision=None,
    revision_text: str | None = None,
    imported_from: str = "",
    actor=None,
) -> Annotation:
    """Tag the span [start, end) of `article` (code points) with the tag whose key is `tag`;
    white space at its ends is left out (as the reader trims a selection).

    Imports: `imported_from` keeps the creator a file named (provenance) when the
    importer is the author; `actor`, an admin importing in `author`'s name, is who the
    revision records (default: the author).

    Preconditions: `author` is a signed-in user. Raises ValidationError for offsets out
    of range, an empty or blank span, a quote that does not match, an unknown tag or a
    long note.

    No duplicates: a request repeating an `idempotency_key` of `author`'s gets the
    annotation that key made (a key reused for another span or tag is refused), and
    `author`'s identical span and tag within DUPLICATE_WINDOW_SECONDS is the same
    annotation too. Either way the returned annotation has `replayed = True` and
    nothing is written. Unless `allow_copy` (imports), the same span with the same tag
    by someone else raises AlreadyTagged: agree with it instead.

    With `revision` (an article revision older than the current one), the offsets and
    quote are checked against that revision's text and carried across to the current
    text as a revision would carry them: the annotation is made "moved" or "orphaned"
    when its words changed or are gone. `revision_text`, when given, is that text (an
    import reads it once for many annotations).
    """
    note = clean_note(note)
    check_idempotency_key(idempotency_key)
    article, tag_obj = _current_text_and_tag(article, tag)
    if revision is None or revision == article.version:
        check_span(article.text, start, end, quote)
        fields = _span_fields(article.text, *trim_span(article.text, start, end))
    else:
        old_text = revision_text or revisions.revision_text(article, revision)
        check_span(old_text, start, end, quote)
        start, end = trim_span(old_text, start, end)
        carried = revisions.carry_from(article, old_text, start, end)
        if carried.anchor == Annotation.Anchor.ORPHANED:
            fields = _span_fields(old_text, start, end)
            fields.update(anchor=carried.anchor, anchor_revision=revision)
        else:
            fields = _span_fields(article.text, carried.start, carried.end)
            fields["anchor"] = carried.anchor
    annotation = Annotation(
        article=article,
        author=author,
        tag=tag_obj,
        note=note,
        idempotency_key=idempotency_key or None,
        **fields,
    )
    annotation.imported_from = imported_from
    # Nobody has reviewed it yet: its status is known without asking.
    annotation.review_status = Annotation.Status.PENDING
    # No lock of its own for the duplicate checks: _current_text_and_tag holds the
    # article's row lock, so two creates on one article run one after the other.
    write = _write_new_postgresql if connection.vendor == "postgresql" else _write_new
    prior, same = write(annotation, actor=actor or author, allow_copy=allow_copy)
    if prior is not None:
        pk, *span = prior
        if span != [article.pk, annotation.start, annotation.end, tag_obj.pk]:
            raise ValidationError(
                _(
                    "This Idempotency-Key was already used for another annotation; "
                    "send a new key for a new annotation."
                ),
                code="idempotency_key_reused",
            )
        return _replay(Annotation.objects.select_related("author", "tag").get(pk=pk))
    recent = [pk for pk, by, is_recent in same if by == author.pk and is_recent]
    if recent:
        return _replay(Annotation.objects.select_related("author", "tag").get(pk=recent[-1]))
    theirs = [pk for pk, by, _ in same if by != author.pk]
    if theirs and not allow_copy:
        raise AlreadyTagged(Annotation.objects.select_related("author", "tag").get(pk=theirs[0]))
    return annotation


# The rules a new annotation's write checks, in one place for both ways of writing it:
# a repeat of the author's Idempotency-Key (`prior`: its id, article, start, end, tag),
# and the live annotations with the same span and tag (`same`: id, author, whether made
# within DUPLICATE_WINDOW_SECONDS). annotation_create decides what they mean; the write
# happens only when neither holds a repeat or, unless `allow_copy`, someone else's copy.


def _write_new(annotation: Annotation, *, actor, allow_copy: bool) -> tuple:
    """The checks, then the row, its history row and its event, one statement each."""
    date = timezone.now()
    window = date - timedelta(seconds=DUPLICATE_WINDOW_SECONDS)
    prior = None
    if annotation.idempotency_key:
        prior = (
            Annotation.objects.filter(
                author_id=annotation.author_id, idempotency_key=annotation.idempotency_key
            )
            .values_list("pk", "article_id", "start", "end", "tag_id")
            .first()
        )
    same = [
        (pk, by, created >= window)
        for pk, by, created in Annotation.objects.live()
        .filter(
            article_id=annotation.article_id,
            start=annotation.start,
            end=annotation.end,
            tag_id=annotation.tag_id,
        )
        .order_by("id")
        .values_list("pk", "author_id", "created")[:20]
    ]
    if prior is not None or any(
        (by == annotation.author_id and recent) or (by != annotation.author_id and not allow_copy)
        for _, by, recent in same
    ):
        return prior, same
    # django-simple-history writes the "created" row on save, by this user at this date.
    annotation._history_user, annotation._history_date = actor, date
    annotation.save()
    search_index_refresh(annotation_ids=[annotation.pk])
    annotation.event = events.annotation_changed("annotation.created", annotation, actor)
    return None, same


def _write_new_postgresql(annotation: Annotation, *, actor, allow_copy: bool) -> tuple:
    """_write_new in one statement: the checks, the row, its history row, its search
    document, its event and the event's NOTIFY. The row is written only when the checks
    find nothing in the way (the caller holds the article's row lock)."""
    date = timezone.now()
    window = date - timedelta(seconds=DUPLICATE_WINDOW_SECONDS)
    table = connection.ops.quote_name(Annotation._meta.db_table)
    me = annotation.author_id
    made, made_params = bulk_history.created_with_history_ctes(
        annotation,
        user=actor,
        date=date,
        when="NOT EXISTS (SELECT 1 FROM prior) AND NOT EXISTS (SELECT 1 FROM same "
        "WHERE (author_id = %s AND created >= %s) OR (author_id <> %s AND NOT %s))",
        when_params=[me, window, me, allow_copy],
    )
    ctes = [
        f'prior AS (SELECT id, article_id, start, "end", tag_id FROM {table} '  # noqa: S608 - names from the model
        "WHERE author_id = %s AND idempotency_key = %s)",
        f"same AS (SELECT id, author_id, created FROM {table} WHERE deleted_at IS NULL "  # noqa: S608
        'AND article_id = %s AND start = %s AND "end" = %s AND tag_id = %s ORDER BY id LIMIT 20)',
        made,
        f"document AS ({refresh_sql_for('made')})",
    ]
    params = [me, annotation.idempotency_key, annotation.article_id, annotation.start,
              annotation.end, annotation.tag_id, *made_params]  # fmt: skip
    event = None
    if not events.gathering():
        event = Event(
            kind="annotation.created",
            article_id=annotation.article_id,
            object_id=None,
            actor=actor if getattr(actor, "pk", None) else None,
            payload=events.annotation_payload(
                annotation, status=Annotation.Status.PENDING, comments=0
            ),
            created=date,
        )
        event_sql, event_params = events.event_ctes(event, source="made")
        ctes.append(event_sql)
        params += event_params
        notify = "(SELECT pg_notify(%s, id::text) FROM made_event), (SELECT id FROM made_event)"
        params.append(events.CHANNEL)
    else:
        notify = "NULL, NULL"
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {', '.join(ctes)} SELECT (SELECT id FROM made), {notify}, "  # noqa: S608 - no input in the text
            '(SELECT json_build_array(id, article_id, start, "end", tag_id)::text FROM prior), '
            "(SELECT json_agg(json_build_array(id, author_id, created >= %s) ORDER BY id)::text "
            "FROM same)",
            [*params, window],
        )
        made_id, _notified, event_id, prior, same = cursor.fetchone()
    same = [tuple(row) for row in json.loads(same or "[]")]
    if made_id is None:
        return (json.loads(prior) if prior else None), same
    annotation.pk = made_id
    annotation._state.adding = False
    annotation._state.db = "default"
    if event is None:
        events.gathered(annotation.article_id)
    else:
        event.pk, event.object_id = event_id, made_id
        event.payload["id"] = made_id
        event._state.adding = False
    annotation.event = event
    return None, same


def _lock(annotation: Annotation, version) -> Annotation:
    # Lock the row so two concurrent edits of the same version cannot both win.
    current = Annotation.objects.select_for_update().get(pk=annotation.pk)
    if version is not None and int(version) != current.version:
        raise StaleVersion(current)
    return current


SPAN_FIELDS = {"start", "end", "quote"}


def _lock_for_change(annotation: Annotation, actor, version, allowed=None) -> Annotation:
    current = Annotation.objects.select_for_update().get(pk=annotation.pk)
    if current.is_deleted:
        raise ValidationError(_("This annotation has been deleted."), code="deleted")
    if not (allowed or Annotation.is_editable_by)(current, actor):
        raise PermissionDenied(_("Only the author can change or delete this annotation."))
    if version is not None and int(version) != current.version:
        raise StaleVersion(current)
    return current


def _apply_changes(current: Annotation, changes: dict) -> None:
    unknown = set(changes) - {"tag", "note"} - SPAN_FIELDS
    if unknown:
        raise ValidationError(
            _("Only the tag, the note and the span can be changed, not %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))}
        )
    if "tag" in changes:
        current.tag = tag_by_key(changes["tag"])
    if "note" in changes:
        current.note = clean_note(changes["note"])
    if SPAN_FIELDS & set(changes):
        _apply_span(current, changes)
    current.version += 1


def _apply_span(current: Annotation, changes: dict) -> None:
    """Select the span again: the annotation's words are now text[start:end] of the
    current text, which must equal the quote sent; its anchor is exact (an orphan is
    found, a moved one checked)."""
    if "start" not in changes or "end" not in changes:
        raise ValidationError(
            {"start": _("Send both start and end to select the span again.")}, code="offsets"
        )
    if not isinstance(changes.get("quote"), str):
        # Offsets alone could come from an earlier revision of the text; the words
        # they are meant to hold say whether they still do.
        raise ValidationError(
            {"quote": _("Send the quote (the words at start and end) with the span, so it can "
                        "be checked against the current text.")},
            code="quote",
        )  # fmt: skip
    article = _current_text(current.article)
    check_span(article.text, changes["start"], changes["end"], changes.get("quote"))
    start, end = trim_span(article.text, changes["start"], changes["end"])
    for name, value in _span_fields(article.text, start, end).items():
        setattr(current, name, value)
    current.anchor = Annotation.Anchor.EXACT
    current.anchor_revision = None


@transaction.atomic
def annotation_update(*, annotation: Annotation, actor, version=None, **changes) -> Annotation:
    """Change the tag and/or note of an annotation, and/or select its span again
    (`start`, `end` and `quote`, checked against the current text; white space at the
    ends of the new span is left out).

    Preconditions: `actor` is the author (Annotation.is_editable_by); for the span alone,
    a curator too while the annotation's anchor needs checking (is_reanchorable_by).
    When `version` is given it must equal the stored version, or StaleVersion is raised.
    Each change increments the version; a change of tag or span (or of the words a span
    holds) also increments the claim version, which outdates earlier verdicts (see
    _save_claim). A span selected again makes the anchor exact; the history's reason
    says "span adjusted" when it was exact already, "span selected again" when it was
    moved or orphaned.
    """
    span_only = bool(changes) and set(changes) <= SPAN_FIELDS
    allowed = Annotation.is_reanchorable_by if span_only else None
    current = _lock_for_change(annotation, actor, version, allowed)
    before = _claim(current)
    was_tag = current.tag.key
    was_anchor = current.anchor
    _apply_changes(current, changes)
    reason = "changed"
    if SPAN_FIELDS & set(changes):
        checked = _claim(current) == before and was_anchor != current.anchor
        if checked:
            reason = "anchor checked"
        elif was_anchor == Annotation.Anchor.EXACT:
            reason = "span adjusted"  # its author moved the ends of a span in place
        else:
            reason = "span selected again"  # a moved or orphaned one, found again
    _save_claim(current, actor, reason, before)
    search_index_refresh(annotation_ids=[current.pk])
    current.event = events.annotation_changed("annotation.changed", current, actor, was_tag=was_tag)
    return current


@transaction.atomic
def annotation_moderate(*, annotation: Annotation, actor, **changes) -> Annotation:
    """An admin changes the tag and/or note of anyone's annotation (the Django admin).

    Preconditions: `actor` may moderate (Annotation.is_moderatable_by). The change is a
    new version, so a client holding the old ETag cannot overwrite it unknowingly.
    """
    if not annotation.is_moderatable_by(actor):
        raise PermissionDenied(_("Only an admin can change someone else's annotation."))
    current = _lock(annotation, None)
    before = _claim(current)
    was_tag = current.tag.key
    _apply_changes(current, changes)
    _save_claim(current, actor, "changed in admin", before)
    search_index_refresh(annotation_ids=[current.pk])
    current.event = events.annotation_changed("annotation.changed", current, actor, was_tag=was_tag)
    return current


@transaction.atomic
def annotation_delete(*, annotation: Annotation, actor, version=None) -> Annotation:
    """Soft-delete an annotation: it leaves the page and stays in history.

    Preconditions: `actor` is the author, or a curator while the annotation's anchor
    needs checking (Annotation.is_deletable_by); `version`, when given, is current.
    """
    current = _lock_for_change(annotation, actor, version, Annotation.is_deletable_by)
    current.deleted_at = timezone.now()
    current.version += 1
    _save(current, actor, "deleted")
    current.event = events.annotation_changed("annotation.deleted", current, actor)
    return current


@transaction.atomic
def annotation_restore(*, annotation: Annotation, actor, revision=None, version=None) -> Annotation:
    """Undo the soft delete of an annotation, or return it to an earlier revision.

    Without `revision`, the annotation must be deleted and comes back as it was. With
    `revision` (a history id of this annotation whose state was not deleted), its tag and
    note come back and, if it is deleted, so does the annotation. Either way the restore
    is itself a new revision, and the version goes up.

    Preconditions: `actor` may restore it (Annotation.is_restorable_by); `version`, when
    given, is current. Raises PermissionDenied, ValidationError or StaleVersion.
    """
    current = Annotation.objects.select_for_update().get(pk=annotation.pk)
    before = _claim(current)
    if not current.is_restorable_by(actor):
        raise PermissionDenied(_("Only the author or an admin can restore this annotation."))
    if version is not None and int(version) != current.version:
        raise StaleVersion(current)
    was_deleted, was_tag = current.is_deleted, current.tag.key
    if revision is None:
        if not current.is_deleted:
            raise ValidationError(
                _("This annotation is not deleted; there is nothing to restore."),
                code="not_deleted",
            )
        reason = "restored"
    else:
        old = _revision_of(current, revision)
        current.tag_id, current.note = old.tag_id, old.note
        reason = f"restored to revision {old.history_id}"
    current.deleted_at = None
    current.version += 1
    _save_claim(current, actor, reason, before)
    search_index_refresh(annotation_ids=[current.pk])
    kind = "annotation.restored" if was_deleted else "annotation.changed"
    current.event = events.annotation_changed(kind, current, actor, was_tag=was_tag)
    return current


def _revision_of(annotation: Annotation, revision):
    try:
        number = int(revision)
    except (TypeError, ValueError):
        raise ValidationError(
            {"revision": _("revision must be a whole number from the history.")}, code="revision"
        ) from None
    old = annotation.history.filter(history_id=number).first()
    if old is None:
        raise ValidationError(
            {
                "revision": _("Annotation %(id)s has no revision %(number)s.")
                % {"id": annotation.pk, "number": number}
            },
            code="revision",
        )
    if old.deleted_at is not None or old.history_type == "-":
        raise ValidationError(
            {
                "revision": _("Revision %(number)s is a deletion; restore an earlier one.")
                % {"number": number}
            },
            code="revision",
        )
    return old


# Merging a stale edit -------------------------------------------------------------------

EDITABLE_FIELDS = ("tag", "note")


def annotation_at_version(annotation: Annotation, version: int) -> dict | None:
    """The tag (key) and note `annotation` had at `version`, from its history; None
    when that version is not in the history."""
    row = annotation.history.filter(version=version).order_by("-history_id").first()
    if row is None:
        return None
    return {"tag": row.tag.key, "note": row.note}


def merge_edit(*, base: dict, mine: dict, theirs: dict) -> tuple[dict, dict]:
    """Three-way merge of an edit made from `base` when the annotation is now `theirs`.

    Returns (merged values, conflicts). A field only I changed takes my value; a field
    only they changed keeps theirs; a field we both changed to different values is a
    conflict {field: (mine, theirs)}, merged as mine until the person chooses.
    """
    merged, conflicts = {}, {}
    for field in EDITABLE_FIELDS:
        b, m, t = base.get(field), mine.get(field), theirs.get(field)
        if m == b or m == t:
            merged[field] = t
        elif t == b:
            merged[field] = m
        else:
            merged[field] = m
            conflicts[field] = (m, t)
    return merged, conflicts
