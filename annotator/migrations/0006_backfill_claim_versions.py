"""Give existing annotations and verdicts their claim versions, from the history.

Before this, a verdict silently carried over to a changed tag. Walking each annotation's
revisions, every change of tag or span starts a new claim version; each verdict (and
each of its revisions) is tied to the claim as it stood when the verdict was given, so
a verdict given before a change now reads as outdated instead of approving a tag its
reviewer never saw.
"""

from bisect import bisect_right

from django.db import migrations


def _claim_timelines(HistoricalAnnotation):
    """{annotation id: ([history dates], [(claim version, tag id)])}."""
    timelines = {}
    previous = {}
    rows = HistoricalAnnotation.objects.order_by("id", "history_date", "history_id").values_list(
        "history_id", "id", "history_date", "tag_id", "start", "end"
    )
    updates = []
    for history_id, pk, date, tag_id, start, end in rows.iterator():
        claim = (tag_id, start, end)
        dates, states = timelines.setdefault(pk, ([], []))
        if not states:
            version = 1
        elif previous[pk] != claim:
            version = states[-1][0] + 1
        else:
            version = states[-1][0]
        previous[pk] = claim
        dates.append(date)
        states.append((version, tag_id))
        if version != 1:
            updates.append((history_id, version))
    return timelines, updates


def _state_at(timeline, moment, fallback):
    dates, states = timeline or ([], [])
    index = bisect_right(dates, moment) - 1
    return states[index] if index >= 0 else (states[0] if states else fallback)


def backfill(apps, schema_editor):
    Annotation = apps.get_model("annotator", "Annotation")
    HistoricalAnnotation = apps.get_model("annotator", "HistoricalAnnotation")
    Review = apps.get_model("annotator", "Review")
    HistoricalReview = apps.get_model("annotator", "HistoricalReview")

    timelines, history_updates = _claim_timelines(HistoricalAnnotation)
    for history_id, version in history_updates:
        HistoricalAnnotation.objects.filter(history_id=history_id).update(claim_version=version)
    current = dict(Annotation.objects.values_list("id", "tag_id"))
    for pk, (_, states) in timelines.items():
        if pk in current and states and states[-1][0] != 1:
            Annotation.objects.filter(pk=pk).update(claim_version=states[-1][0])

    for review in Review.objects.only("id", "annotation_id", "modified").iterator():
        fallback = (1, current.get(review.annotation_id))
        version, tag_id = _state_at(timelines.get(review.annotation_id), review.modified, fallback)
        Review.objects.filter(pk=review.pk).update(claim_version=version, judged_tag_id=tag_id)
    rows = HistoricalReview.objects.only("history_id", "annotation_id", "history_date")
    for row in rows.iterator():
        fallback = (1, current.get(row.annotation_id))
        version, tag_id = _state_at(timelines.get(row.annotation_id), row.history_date, fallback)
        HistoricalReview.objects.filter(history_id=row.history_id).update(
            claim_version=version, judged_tag_id=tag_id
        )


class Migration(migrations.Migration):
    dependencies = [("annotator", "0005_claims_verdicts_settlements")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
