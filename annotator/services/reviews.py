"""Writes to verdicts: one review per reviewer and annotation, changeable, and tied to
the claim version it judged."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from annotator import events
from annotator.models import Annotation, Notification, Review
from annotator.services.notifications import notify
from annotator.services.rules import clean_reason, tag_by_key
from annotator.services.search_index import search_index_refresh

PROPOSAL_ADOPTED = "proposal adopted"


@transaction.atomic
def review_set(
    *, annotation: Annotation, reviewer, verdict: str, proposed_tag=None, comment: str = ""
) -> tuple[Review, bool]:
    """Give or change `reviewer`'s verdict on `annotation`: "agree" or "disagree", the
    latter with an optional proposed tag (a key) and reason. Returns the review and
    whether it was created (the reviewer's first verdict on this annotation).

    The verdict judges the annotation's current claim (its claim version and tag).
    Giving it again after the claim changed renews it for the new version.

    Preconditions: `reviewer` may review it (Annotation.is_reviewable_by: not its author,
    PermissionDenied otherwise); the annotation is not deleted. One review per reviewer;
    each change is a revision. "Created" is decided under the annotation's row lock, so
    of several requests racing with a first verdict exactly one creates it.
    """
    current = Annotation.objects.select_for_update().select_related("tag").get(pk=annotation.pk)
    if current.is_deleted:
        raise ValidationError(_("This annotation has been deleted."), code="deleted")
    if not current.is_reviewable_by(reviewer):
        raise PermissionDenied(_("You cannot review your own annotation."))
    if verdict not in Review.Verdict.values:
        raise ValidationError(
            {"verdict": _("Choose a verdict: agree or disagree.")}, code="verdict"
        )
    comment = clean_reason(comment)
    tag = None
    if verdict == Review.Verdict.DISAGREE and proposed_tag:
        tag = tag_by_key(proposed_tag, field="proposed_tag")
        if tag.pk == current.tag_id:
            raise ValidationError(
                {
                    "proposed_tag": _(
                        "The annotation is already tagged %(tag)s; propose another tag or none."
                    )
                    % {"tag": tag.display_label}
                },
                code="proposed_tag",
            )
    was_status, _was_settled = events.annotation_state(current.pk)
    review = Review.objects.filter(annotation=current, reviewer=reviewer).first()
    created = review is None
    was_verdict = None if created else review.verdict
    if created:
        review = Review(annotation=current, reviewer=reviewer)
    elif (
        review.verdict,
        review.proposed_tag_id,
        review.comment,
        review.claim_version,
    ) == (verdict, tag and tag.pk, comment, current.claim_version):
        return review, False
    review.verdict = verdict
    review.proposed_tag = tag
    review.comment = comment
    review.claim_version = current.claim_version
    review.judged_tag_id = current.tag_id
    review._history_user = reviewer
    kind = "review.created"
    if not created:
        review._change_reason = "changed"
        kind = "review.changed"
    review.save()
    search_index_refresh(annotation_ids=[current.pk])  # the reason is searched
    review.event = events.review_changed(
        kind, review, reviewer, was_verdict=was_verdict, was_status=was_status
    )
    _notify_author(current, review, reviewer)
    return review, created


def _notify_author(annotation: Annotation, review: Review, reviewer) -> None:
    def text() -> str:
        names = {"who": reviewer.get_username(), "quote": annotation.short_quote}
        if review.verdict == Review.Verdict.AGREE:
            sentence = _("%(who)s agreed with your annotation “%(quote)s”.") % names
        elif review.proposed_tag:
            sentence = _(
                "%(who)s disagreed with your annotation “%(quote)s” (proposes %(tag)s)."
            ) % {**names, "tag": review.proposed_tag.display_label}
        else:
            sentence = _("%(who)s disagreed with your annotation “%(quote)s”.") % names
        if review.comment:
            sentence += f" “{review.comment[:200]}”"
        return sentence

    notify(
        user_id=annotation.author_id,
        kind=Notification.Kind.VERDICT,
        actor=reviewer,
        annotation=annotation,
        text=text,
    )


def reviews_follow_claim(*, annotation: Annotation, actor, old_version: int, span_changed: bool):
    """After the claim of `annotation` moved on from `old_version` (the caller holds its
    row lock and has saved it): each disagreement with the old version that proposed the
    tag the annotation now has becomes agreement with the new version, recorded as
    "proposal adopted" by `actor`. Every other verdict on the old version is left as it
    was, and no longer counts. A proposal is about a tag, so it is adopted only when the
    span stayed the same."""
    if span_changed:
        return
    proposers = Review.objects.filter(
        annotation=annotation,
        claim_version=old_version,
        verdict=Review.Verdict.DISAGREE,
        proposed_tag_id=annotation.tag_id,
    )
    for review in proposers:
        review.verdict = Review.Verdict.AGREE
        review.proposed_tag = None
        review.claim_version = annotation.claim_version
        review.judged_tag_id = annotation.tag_id
        review._history_user = actor
        review._change_reason = PROPOSAL_ADOPTED
        review.save()
