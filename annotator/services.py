"""Writes to annotations, comments and reviews.

Every service is keyword-only, runs in one transaction and records its revision with
the acting person (django-simple-history reads `_history_user`), so no write path can
skip history. Services raise ValidationError or PermissionDenied; callers turn those
into responses.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from annotator import markdown
from annotator.models import (
    COMMENT_MAX_LENGTH,
    CONTEXT_LENGTH,
    NOTE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    Annotation,
    Comment,
    Mention,
    Review,
    Tag,
)


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


def _tag_by_key(key, field: str = "tag") -> Tag:
    # `field` names the input that held the key, so the API reports it under that name.
    if not isinstance(key, str) or not key:
        raise ValidationError({field: "Choose a tag: fact, opinion or speculation."}, code="tag")
    try:
        return Tag.objects.get(key=key)
    except Tag.DoesNotExist:
        known = ", ".join(Tag.objects.values_list("key", flat=True))
        raise ValidationError(
            {field: f"There is no tag called {key!r}. Use one of: {known}."}, code="tag"
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


# Discussion -----------------------------------------------------------------------------


def _clean_body(body) -> str:
    if not isinstance(body, str) or not body.strip():
        raise ValidationError({"body": "Write something before posting."}, code="empty")
    body = body.strip()
    if len(body) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {
                "body": f"The comment has {len(body):,} characters; "
                f"the limit is {COMMENT_MAX_LENGTH:,}."
            },
            code="too_long",
        )
    return body


def _add_mentions(comment: Comment, actor) -> list[Mention]:
    names = markdown.mentioned_usernames(comment.body)
    if not names:
        return []
    users = get_user_model().objects.filter(username__in=names).exclude(pk=comment.author_id)
    already = set(comment.mentions.values_list("user_id", flat=True)) if comment.pk else set()
    created = []
    for user in users:
        if user.pk in already:
            continue
        mention = Mention(comment=comment, user=user)
        mention._history_user = actor
        mention.save()
        created.append(mention)
    return created


@transaction.atomic
def comment_create(*, annotation: Annotation, author, body: str, parent=None) -> Comment:
    """Add a comment to the thread of `annotation`, or a reply when `parent` is given.

    Preconditions: `author` is signed in and the annotation is not deleted. Threads have
    one level of replies: a reply to a reply joins its parent's replies. Each `@name` of
    an existing person other than the author becomes an unread Mention.
    """
    if annotation.is_deleted:
        raise ValidationError("This annotation has been deleted.", code="deleted")
    body = _clean_body(body)
    if parent is not None:
        if parent.annotation_id != annotation.pk:
            raise ValidationError(
                {"parent": "The reply must belong to the same thread."}, code="parent"
            )
        if parent.parent_id is not None:
            parent = parent.parent
    comment = Comment(annotation=annotation, author=author, body=body, parent=parent)
    comment._history_user = author
    comment.save()
    _add_mentions(comment, author)
    return comment


def _lock_comment(comment: Comment, actor) -> Comment:
    current = Comment.objects.select_for_update().get(pk=comment.pk)
    if current.is_deleted:
        raise ValidationError("This comment has been deleted.", code="deleted")
    if not current.is_editable_by(actor):
        raise PermissionDenied("Only its author can change or delete a comment.")
    return current


@transaction.atomic
def comment_update(*, comment: Comment, actor, body: str) -> Comment:
    """Replace the body of a comment and mark it edited.

    Preconditions: `actor` wrote the comment, which is not deleted. People newly
    mentioned get a Mention; earlier mentions stay.
    """
    current = _lock_comment(comment, actor)
    body = _clean_body(body)
    if body == current.body:
        return current
    current.body = body
    current.edited_at = timezone.now()
    current._history_user = actor
    current._change_reason = "edited"
    current.save()
    _add_mentions(current, actor)
    return current


@transaction.atomic
def comment_delete(*, comment: Comment, actor) -> Comment:
    """Soft-delete a comment: the thread shows "comment deleted", history keeps the text.

    Preconditions: `actor` wrote the comment, which is not already deleted.
    """
    current = _lock_comment(comment, actor)
    current.deleted_at = timezone.now()
    current._history_user = actor
    current._change_reason = "deleted"
    current.save()
    return current


@transaction.atomic
def mentions_mark_read(*, user, mention_ids=None) -> int:
    """Mark `user`'s unread mentions as read (only those in `mention_ids`, when given).

    Saves row by row so each change has its history row; returns how many changed.
    """
    unread = Mention.objects.filter(user=user, is_read=False)
    if mention_ids is not None:
        unread = unread.filter(pk__in=list(mention_ids))
    count = 0
    for mention in unread.select_for_update():
        mention.is_read = True
        mention._history_user = user
        mention.save(update_fields=["is_read"])
        count += 1
    return count


# Review ---------------------------------------------------------------------------------


@transaction.atomic
def review_set(
    *, annotation: Annotation, reviewer, verdict: str, proposed_tag=None, comment: str = ""
) -> Review:
    """Give or change `reviewer`'s verdict on `annotation`: "agree" or "disagree", the
    latter with an optional proposed tag (a key) and reason.

    Preconditions: `reviewer` is signed in and is not the author (PermissionDenied);
    the annotation is not deleted. One review per reviewer; each change is a revision.
    """
    current = Annotation.objects.select_for_update().select_related("tag").get(pk=annotation.pk)
    if current.author_id == reviewer.pk:
        raise PermissionDenied("You cannot review your own annotation.")
    if current.is_deleted:
        raise ValidationError("This annotation has been deleted.", code="deleted")
    if verdict not in Review.Verdict.values:
        raise ValidationError({"verdict": "Choose a verdict: agree or disagree."}, code="verdict")
    comment = (comment or "").strip()
    if len(comment) > REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "comment": f"The reason has {len(comment):,} characters; "
                f"the limit is {REASON_MAX_LENGTH:,}."
            },
            code="comment",
        )
    tag = None
    if verdict == Review.Verdict.DISAGREE and proposed_tag:
        tag = _tag_by_key(proposed_tag, field="proposed_tag")
        if tag.pk == current.tag_id:
            raise ValidationError(
                {
                    "proposed_tag": f"The annotation is already tagged {tag.label}; "
                    "propose another tag or none."
                },
                code="proposed_tag",
            )
    review = Review.objects.filter(annotation=current, reviewer=reviewer).first()
    if review is None:
        review = Review(annotation=current, reviewer=reviewer)
    elif (review.verdict, review.proposed_tag_id, review.comment) == (
        verdict,
        tag and tag.pk,
        comment,
    ):
        return review
    review.verdict = verdict
    review.proposed_tag = tag
    review.comment = comment
    review._history_user = reviewer
    if review.pk:
        review._change_reason = "changed"
    review.save()
    return review


# Restore (issue 6) ------------------------------------------------------------------------


def _can_restore(actor, author_id: int) -> bool:
    return actor.is_authenticated and (actor.pk == author_id or actor.is_staff)


@transaction.atomic
def annotation_restore(*, annotation: Annotation, actor, revision=None, version=None) -> Annotation:
    """Undo the soft delete of an annotation, or return it to an earlier revision.

    Without `revision`, the annotation must be deleted and comes back as it was. With
    `revision` (a history id of this annotation whose state was not deleted), its tag and
    note come back and, if it is deleted, so does the annotation. Either way the restore
    is itself a new revision, and the version goes up.

    Preconditions: `actor` is the author or an admin (staff); `version`, when given, is
    current. Raises PermissionDenied, ValidationError or StaleVersion.
    """
    current = Annotation.objects.select_for_update().get(pk=annotation.pk)
    if not _can_restore(actor, current.author_id):
        raise PermissionDenied("Only the author or an admin can restore this annotation.")
    if version is not None and int(version) != current.version:
        raise StaleVersion(current)
    if revision is None:
        if not current.is_deleted:
            raise ValidationError(
                "This annotation is not deleted; there is nothing to restore.",
                code="not_deleted",
            )
        reason = "restored"
    else:
        old = _revision_of(current, revision)
        current.tag_id, current.note = old.tag_id, old.note
        reason = f"restored to revision {old.history_id}"
    current.deleted_at = None
    current.version += 1
    current._history_user = actor
    current._change_reason = reason
    current.save()
    return current


def _revision_of(annotation: Annotation, revision):
    try:
        number = int(revision)
    except (TypeError, ValueError):
        raise ValidationError(
            {"revision": "revision must be a whole number from the history."}, code="revision"
        ) from None
    old = annotation.history.filter(history_id=number).first()
    if old is None:
        raise ValidationError(
            {"revision": f"Annotation {annotation.pk} has no revision {number}."},
            code="revision",
        )
    if old.deleted_at is not None or old.history_type == "-":
        raise ValidationError(
            {"revision": f"Revision {number} is a deletion; restore an earlier one."},
            code="revision",
        )
    return old


@transaction.atomic
def comment_restore(*, comment: Comment, actor) -> Comment:
    """Bring a deleted comment back into its thread.

    Preconditions: the comment is deleted; `actor` wrote it or is an admin (staff).
    """
    current = Comment.objects.select_for_update().get(pk=comment.pk)
    if not _can_restore(actor, current.author_id):
        raise PermissionDenied("Only its author or an admin can restore a comment.")
    if not current.is_deleted:
        raise ValidationError("This comment is not deleted.", code="not_deleted")
    current.deleted_at = None
    current._history_user = actor
    current._change_reason = "restored"
    current.save()
    return current
