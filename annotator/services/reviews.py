"""Writes to verdicts: one review per reviewer and annotation, changeable."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from annotator import events
from annotator.models import Annotation, Review
from annotator.services.rules import clean_reason, tag_by_key


@transaction.atomic
def review_set(
    *, annotation: Annotation, reviewer, verdict: str, proposed_tag=None, comment: str = ""
) -> Review:
    """Give or change `reviewer`'s verdict on `annotation`: "agree" or "disagree", the
    latter with an optional proposed tag (a key) and reason.

    Preconditions: `reviewer` may review it (Annotation.is_reviewable_by: not its author,
    PermissionDenied otherwise); the annotation is not deleted. One review per reviewer;
    each change is a revision.
    """
    current = Annotation.objects.select_for_update().select_related("tag").get(pk=annotation.pk)
    if current.is_deleted:
        raise ValidationError("This annotation has been deleted.", code="deleted")
    if not current.is_reviewable_by(reviewer):
        raise PermissionDenied("You cannot review your own annotation.")
    if verdict not in Review.Verdict.values:
        raise ValidationError({"verdict": "Choose a verdict: agree or disagree."}, code="verdict")
    comment = clean_reason(comment)
    tag = None
    if verdict == Review.Verdict.DISAGREE and proposed_tag:
        tag = tag_by_key(proposed_tag, field="proposed_tag")
        if tag.pk == current.tag_id:
            raise ValidationError(
                {
                    "proposed_tag": f"The annotation is already tagged {tag.label}; "
                    "propose another tag or none."
                },
                code="proposed_tag",
            )
    was_status, _ = events.annotation_state(current.pk)
    review = Review.objects.filter(annotation=current, reviewer=reviewer).first()
    was_verdict = review.verdict if review else None
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
    kind = "review.created"
    if review.pk:
        review._change_reason = "changed"
        kind = "review.changed"
    review.save()
    review.event = events.review_changed(
        kind, review, reviewer, was_verdict=was_verdict, was_status=was_status
    )
    return review
