"""Writes to comment threads and mentions."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from annotator import events, markdown
from annotator.models import Annotation, Comment, Mention, Notification
from annotator.services.notifications import mention_notifications_mark_read, notify
from annotator.services.rules import clean_body
from annotator.services.search_index import search_index_refresh

# More names than this in one comment are not looked up (nobody mentions 50 people).
MENTIONS_MAX = 50


def _add_mentions(comment: Comment, actor) -> list[Mention]:
    """A Mention and a notification for each `@name` of a real person other than the
    author, whatever the case it was written in (`@Alice` reaches alice). Sets
    `comment.unknown_mentions`: the names written that are nobody's."""
    names = sorted(markdown.mentioned_usernames(comment.body))[:MENTIONS_MAX]
    comment.unknown_mentions = []
    if not names:
        return []
    wanted = {name.lower(): name for name in names}
    users = list(
        get_user_model()
        .objects.annotate(lower_name=Lower("username"))
        .filter(lower_name__in=list(wanted), is_active=True)
    )
    found = {user.lower_name for user in users}
    comment.unknown_mentions = [name for lower, name in wanted.items() if lower not in found]
    already = set(comment.mentions.values_list("user_id", flat=True)) if comment.pk else set()
    created = []
    for user in users:
        if user.pk in already or user.pk == comment.author_id:
            continue
        mention = Mention(comment=comment, user=user)
        mention._history_user = actor
        mention.save()
        created.append(mention)
        notify(
            user_id=user.pk,
            kind=Notification.Kind.MENTION,
            actor=actor,
            annotation=comment.annotation,
            comment=comment,
            text=lambda: (
                _("%(who)s mentioned you on “%(quote)s”.")
                % {"who": actor.get_username(), "quote": comment.annotation.short_quote}
            ),
            push=False,
        )
    return created


def _save(comment: Comment, actor, reason: str | None = None) -> Comment:
    comment._history_user = actor
    if reason:
        comment._change_reason = reason
    comment.save()
    return comment


@transaction.atomic
def comment_create(*, annotation: Annotation, author, body: str, parent=None) -> Comment:
    """Add a comment to the thread of `annotation`, or a reply when `parent` is given.

    Preconditions: `author` is signed in and the annotation is not deleted. Threads have
    one level of replies: a reply to a reply joins its parent's replies. Each `@name` of
    an existing person other than the author becomes an unread Mention and a
    notification (names nobody has are listed in `comment.unknown_mentions`); the author
    of the comment replied to is notified of the reply, unless mentioned in it.
    """
    # Lock the annotation: comments on one thread are counted in the order they commit.
    annotation = Annotation.objects.select_for_update().get(pk=annotation.pk)
    if annotation.is_deleted:
        raise ValidationError(_("This annotation has been deleted."), code="deleted")
    body = clean_body(body)
    replied_to = parent
    if parent is not None:
        if parent.annotation_id != annotation.pk:
            raise ValidationError(
                {"parent": _("The reply must belong to the same thread.")}, code="parent"
            )
        if parent.parent_id is not None:
            parent = parent.parent
    comment = _save(Comment(annotation=annotation, author=author, body=body, parent=parent), author)
    mentioned = _add_mentions(comment, author)
    told = {m.user_id for m in mentioned}
    if replied_to is not None and replied_to.author_id not in told | {author.pk}:
        told.add(replied_to.author_id)
        notify(
            user_id=replied_to.author_id,
            kind=Notification.Kind.REPLY,
            actor=author,
            annotation=annotation,
            comment=comment,
            text=lambda: (
                _("%(who)s replied to your comment on “%(quote)s”.")
                % {"who": author.get_username(), "quote": annotation.short_quote}
            ),
            push=False,
        )
    search_index_refresh(annotation_ids=[annotation.pk])
    comment.event = events.comment_changed("comment.created", comment, author)
    events.badge_changed(told)
    return comment


def _lock_comment(comment: Comment, actor) -> Comment:
    Annotation.objects.select_for_update().filter(pk=comment.annotation_id).first()
    current = Comment.objects.select_for_update().get(pk=comment.pk)
    if current.is_deleted:
        raise ValidationError(_("This comment has been deleted."), code="deleted")
    if not current.is_editable_by(actor):
        raise PermissionDenied(_("Only its author can change or delete a comment."))
    return current


@transaction.atomic
def comment_update(*, comment: Comment, actor, body: str) -> Comment:
    """Replace the body of a comment and mark it edited.

    Preconditions: `actor` wrote the comment, which is not deleted. People newly
    mentioned get a Mention; earlier mentions stay.
    """
    current = _lock_comment(comment, actor)
    body = clean_body(body)
    if body == current.body:
        return current
    current.body = body
    current.edited_at = timezone.now()
    _save(current, actor, "edited")
    mentioned = _add_mentions(current, actor)
    search_index_refresh(annotation_ids=[current.annotation_id])
    current.event = events.comment_changed("comment.changed", current, actor)
    events.badge_changed(m.user_id for m in mentioned)
    return current


@transaction.atomic
def comment_delete(*, comment: Comment, actor) -> Comment:
    """Soft-delete a comment: the thread shows "comment deleted", history keeps the text.

    Preconditions: `actor` wrote the comment, which is not already deleted.
    """
    current = _lock_comment(comment, actor)
    current.deleted_at = timezone.now()
    _save(current, actor, "deleted")
    search_index_refresh(annotation_ids=[current.annotation_id])
    current.event = events.comment_changed("comment.deleted", current, actor)
    return current


@transaction.atomic
def comment_restore(*, comment: Comment, actor) -> Comment:
    """Bring a deleted comment back into its thread.

    Preconditions: the comment is deleted; `actor` may restore it
    (Comment.is_restorable_by: its author or an admin).
    """
    Annotation.objects.select_for_update().filter(pk=comment.annotation_id).first()
    current = Comment.objects.select_for_update().get(pk=comment.pk)
    if not current.is_restorable_by(actor):
        raise PermissionDenied(_("Only its author or an admin can restore a comment."))
    if not current.is_deleted:
        raise ValidationError(_("This comment is not deleted."), code="not_deleted")
    current.deleted_at = None
    _save(current, actor, "restored")
    search_index_refresh(annotation_ids=[current.annotation_id])
    current.event = events.comment_changed("comment.restored", current, actor)
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
    comments = []
    for mention in unread.select_for_update():
        mention.is_read = True
        mention._history_user = user
        mention.save(update_fields=["is_read"])
        comments.append(mention.comment_id)
        count += 1
    mention_notifications_mark_read(user=user, comment_ids=comments)
    if count:
        events.badge_changed([user.pk])
    return count
