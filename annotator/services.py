"""Writes to annotations, comments and reviews.

Every service is keyword-only, runs in one transaction and records its revision with
the acting person (django-simple-history reads `_history_user`), so no write path can
skip history. Services raise ValidationError or PermissionDenied; callers turn those
into responses.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from annotator.models import CONTEXT_LENGTH, NOTE_MAX_LENGTH, Annotation, Tag


class StaleVersion(ValidationError):
    """An edit was based on a version that is no longer current."""

    def __init__(self, annotation: Annotation):
        self.current = annotation
        who = annotation.history.first()
        name = getattr(getattr(who, "history_user", None), "username", "someone")
        super().__init__(
            f"This annotation was changed by {name} meanwhile (now version "
            f"{annotation.version}). Reload it and apply your change again.",
            code="stale",
        )


def _tag_by_key(key) -> Tag:
    if not isinstance(key, str) or not key:
        raise ValidationError({"tag": "Choose a tag: fact, opinion or speculation."}, code="tag")
    try:
        return Tag.objects.get(key=key)
    except Tag.DoesNotExist:
        known = ", ".join(Tag.objects.values_list("key", flat=True))
        raise ValidationError(
            {"tag": f"There is no tag called {key!r}. Use one of: {known}."}, code="tag"
        ) from None


def _clean_note(note) -> str:
    if note is None:
        return ""
    if not isinstance(note, str):
        raise ValidationError({"note": "The note must be text."}, code="note")
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {"note": f"The note has {len(note):,} characters; the limit is {NOTE_MAX_LENGTH:,}."},
            code="note",
        )
    return note


def check_span(text: str, start, end, quote=None) -> None:
    """Check that [start, end) is a non-empty span of `text` in code points and, when
    given, that `quote` is exactly the text there."""
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError({name: f"{name} must be a whole number."}, code="offsets")
    if start < 0:
        raise ValidationError({"start": "start cannot be negative."}, code="offsets")
    if end > len(text):
        raise ValidationError(
            {"end": f"end ({end}) is past the end of the article ({len(text)} characters)."},
            code="offsets",
        )
    if start >= end:
        raise ValidationError(
            {
                "start": f"start ({start}) must be before end ({end}): "
                "select at least one character."
            },
            code="offsets",
        )
    if quote is not None and quote != text[start:end]:
        raise ValidationError(
            {
                "quote": "The quoted text does not match the article at these offsets; "
                "the article may have changed. Reload the page and select again."
            },
            code="quote_mismatch",
        )


@transaction.atomic
def annotation_create(
    *, article, author, start, end, tag, note: str = "", quote: str | None = None
) -> Annotation:
    """Tag the span [start, end) of `article` (code points) with the tag whose key is `tag`.

    Preconditions: `author` is a signed-in user. Raises ValidationError for offsets out
    of range, an empty span, a quote that does not match, an unknown tag or a long note.
    """
    text = article.text
    check_span(text, start, end, quote)
    if not text[start:end].strip():
        raise ValidationError({"start": "The selection holds only white space."}, code="offsets")
    annotation = Annotation(
        article=article,
        author=author,
        start=start,
        end=end,
        quote=text[start:end],
        prefix=text[max(0, start - CONTEXT_LENGTH) : start],
        suffix=text[end : end + CONTEXT_LENGTH],
        tag=_tag_by_key(tag),
        note=_clean_note(note),
    )
    annotation._history_user = author
    annotation.save()
    return annotation


def _lock_for_change(annotation: Annotation, actor, version) -> Annotation:
    # Lock the row so two concurrent edits of the same version cannot both win.
    current = Annotation.objects.select_for_update().get(pk=annotation.pk)
    if not current.is_editable_by(actor):
        if current.is_deleted:
            raise ValidationError("This annotation has been deleted.", code="deleted")
        raise PermissionDenied("Only the author can change or delete this annotation.")
    if version is not None and int(version) != current.version:
        raise StaleVersion(current)
    return current


@transaction.atomic
def annotation_update(*, annotation: Annotation, actor, version=None, **changes) -> Annotation:
    """Change the tag and/or note of an annotation.

    Preconditions: `actor` is the author. When `version` is given it must equal the
    stored version, or StaleVersion is raised. Each change increments the version.
    """
    current = _lock_for_change(annotation, actor, version)
    unknown = set(changes) - {"tag", "note"}
    if unknown:
        raise ValidationError(f"Only the tag and the note can be changed, not {sorted(unknown)}.")
    if "tag" in changes:
        current.tag = _tag_by_key(changes["tag"])
    if "note" in changes:
        current.note = _clean_note(changes["note"])
    current.version += 1
    current._history_user = actor
    current._change_reason = "changed"
    current.save()
    return current


@transaction.atomic
def annotation_delete(*, annotation: Annotation, actor, version=None) -> Annotation:
    """Soft-delete an annotation: it leaves the page and stays in history.

    Preconditions: `actor` is the author; `version`, when given, is current.
    """
    current = _lock_for_change(annotation, actor, version)
    current.deleted_at = timezone.now()
    current.version += 1
    current._history_user = actor
    current._change_reason = "deleted"
    current.save()
    return current


@transaction.atomic
def annotation_restore(*, annotation: Annotation, actor) -> Annotation:
    """Undo the soft delete of an annotation, so it is back on the page.

    Preconditions: the annotation is deleted; `actor` is its author or an admin (staff).
    Raises PermissionDenied for anyone else, ValidationError when it is not deleted.
    """
    current = Annotation.objects.select_for_update().get(pk=annotation.pk)
    if not (actor.is_authenticated and (actor.pk == current.author_id or actor.is_staff)):
        raise PermissionDenied("Only the author or an admin can restore this annotation.")
    if not current.is_deleted:
        raise ValidationError(
            "This annotation is not deleted; there is nothing to restore.", code="not_deleted"
        )
    current.deleted_at = None
    current.version += 1
    current._history_user = actor
    current._change_reason = "restored"
    current.save()
    return current
