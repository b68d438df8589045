"""Writes by curators: settle a disputed annotation with a final tag and a reason, or
reopen a settlement. Both are revisions of the annotation."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from annotator import events
from annotator.models import Annotation, Notification, Review, is_curator
from annotator.services.notifications import notify
from annotator.services.rules import clean_reason, tag_by_key
from annotator.services.search_index import search_index_refresh

SETTLED = "settled"
REOPENED = "reopened"


def _lock_for_settling(annotation: Annotation, actor) -> Annotation:
    current = Annotation.objects.select_for_update().get(pk=annotation.pk)
    if current.is_deleted:
        raise ValidationError(_("This annotation has been deleted."), code="deleted")
    if not current.is_settleable_by(actor):
        if is_curator(actor) and actor.pk == current.author_id:
            raise PermissionDenied(_("You cannot settle your own annotation; another curator can."))
        raise PermissionDenied(
            _("Only curators settle disputes. An admin can add you to the curators group.")
        )
    return current


def _save(annotation: Annotation, actor, reason: str) -> Annotation:
    annotation._history_user = actor
    annotation._change_reason = reason
    annotation.save()
    search_index_refresh(annotation_ids=[annotation.pk])  # the reason is searched
    # Open readers update the status in place (the change feed).
    annotation.event = events.annotation_changed("annotation.changed", annotation, actor)
    return annotation


@transaction.atomic
def annotation_settle(*, annotation: Annotation, actor, tag, reason) -> Annotation:
    """Settle `annotation`: `tag` (a key) is its final tag, for the reason given.

    It settles the current claim version: if the author later changes the tag or span,
    the settlement no longer counts (the status is derived again from the verdicts).
    Settling again replaces the settlement; each is a revision.

    Preconditions: `actor` may settle it (Annotation.is_settleable_by: a curator, not
    the author), it is not deleted, the reason is not empty and within
    REASON_MAX_LENGTH. Raises PermissionDenied or ValidationError.
    """
    current = _lock_for_settling(annotation, actor)
    final = tag_by_key(tag)
    reason = clean_reason(reason, field="reason")
    if not reason:
        raise ValidationError(
            {"reason": _("Give a reason for the settlement: the team reads it in the thread.")},
            code="reason",
        )
    if current.is_settled and (current.settled_tag_id, current.settled_reason) == (
        final.pk,
        reason,
    ):
        return current
    current.settled_tag = final
    current.settled_reason = reason
    current.settled_by = actor
    current.settled_at = timezone.now()
    current.settled_claim_version = current.claim_version
    _save(current, actor, SETTLED)
    _notify_parties(current, actor, final)
    return current


def _notify_parties(annotation: Annotation, actor, final) -> None:
    """The author and everyone with a verdict on the settled claim hear of it."""
    reviewers = Review.objects.filter(
        annotation=annotation, claim_version=annotation.claim_version
    ).values_list("reviewer_id", flat=True)

    def text() -> str:
        return _("%(who)s settled “%(quote)s” as %(tag)s: %(reason)s") % {
            "who": actor.get_username(),
            "quote": annotation.short_quote,
            "tag": final.display_label,
            "reason": annotation.settled_reason[:200],
        }

    for user_id in sorted({annotation.author_id, *reviewers}):
        notify(
            user_id=user_id,
            kind=Notification.Kind.SETTLEMENT,
            actor=actor,
            annotation=annotation,
            text=text,
        )


@transaction.atomic
def annotation_reopen(*, annotation: Annotation, actor) -> Annotation:
    """Withdraw the settlement of `annotation`: its status is derived from the verdicts
    again. The settlement stays in the history.

    Preconditions: as for annotation_settle, and the annotation has a settlement (a
    current or an outdated one); ValidationError "not_settled" otherwise.
    """
    current = _lock_for_settling(annotation, actor)
    if not current.settled_claim_version:
        raise ValidationError(
            _("This annotation is not settled; there is nothing to reopen."), code="not_settled"
        )
    current.settled_tag = None
    current.settled_reason = ""
    current.settled_by = None
    current.settled_at = None
    current.settled_claim_version = 0
    return _save(current, actor, REOPENED)
