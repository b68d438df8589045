"""Adjusting a span: PATCH start/end with the quote under If-Match; white space at the
ends trimmed (create too); the claim moves, so verdicts become outdated; history and the
change feed show the moved span."""

import pytest
from rest_framework.test import APIClient

from annotator import services
from annotator.models import Annotation, Event
from annotator.selectors import history
from tests import factories

TEXT = factories.SAMPLE_TEXT  # "Officials said the bridge opened in 2019.\n\n..."


@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    return client


def _span(phrase):
    start = TEXT.index(phrase)
    return start, start + len(phrase)


def test_create_trims_white_space_at_the_ends(api, article):
    start, end = _span(" the bridge ")
    response = api.post(
        f"/api/articles/{article.slug}/annotations/",
        {"start": start, "end": end, "tag": "fact", "quote": " the bridge "},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["quote"] == "the bridge"
    assert (response.json()["start"], response.json()["end"]) == (start + 1, end - 1)


def test_patch_moves_the_span_under_if_match_and_outdates_verdicts(api, article, alice, bob):
    annotation = factories.annotate(article, alice, "said the bridge opened", "fact")
    services.review_set(annotation=annotation, reviewer=bob, verdict="agree")
    url = f"/api/annotations/{annotation.pk}/"
    etag = api.get(url).headers["ETag"]
    start, end = _span("the bridge opened in 2019.")
    body = {"start": start - 1, "end": end + 2, "quote": TEXT[start - 1 : end + 2]}

    assert api.patch(url, body, format="json").status_code == 428  # If-Match is required
    moved = api.patch(url, body, format="json", HTTP_IF_MATCH=etag)
    assert moved.status_code == 200, moved.json()
    data = moved.json()
    # The leading space and the paragraph break are trimmed, as the page trims them.
    assert (data["start"], data["end"], data["quote"]) == (start, end, "the bridge opened in 2019.")
    assert data["status"] == "pending"  # bob's agreement judged the old span
    assert data["claim_version"] == 2
    stale = api.patch(url, body, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412

    latest = history.annotation_revisions(Annotation.objects.get(pk=annotation.pk))[0]
    assert latest.record.history_change_reason == "span adjusted"
    changes = {c.field: (c.before, c.after) for c in latest.changes}
    assert any("said the bridge opened" in str(v) for v in changes.values()), changes
    event = Event.objects.filter(kind="annotation.changed", object_id=annotation.pk).last()
    assert (event.payload["start"], event.payload["end"]) == (start, end)


def test_patch_refuses_a_quote_that_does_not_match_and_others_annotations(api, article, alice, bob):
    annotation = factories.annotate(article, alice, "the bridge", "fact")
    url = f"/api/annotations/{annotation.pk}/"
    etag = api.get(url).headers["ETag"]
    start, end = _span("bridge opened")
    wrong = api.patch(
        url, {"start": start, "end": end, "quote": "bridge closed"}, format="json",
        HTTP_IF_MATCH=etag,
    )  # fmt: skip
    assert wrong.status_code == 400
    assert "does not match" in wrong.json()["detail"]
    blank = api.patch(
        url, {"start": TEXT.index("\n"), "end": TEXT.index("\n") + 2, "quote": "\n\n"},
        format="json", HTTP_IF_MATCH=etag,
    )  # fmt: skip
    assert blank.status_code == 400
    assert "only white space" in blank.json()["detail"]
    other = APIClient()
    other.force_authenticate(bob)
    refused = other.patch(
        url, {"start": start, "end": end, "quote": "bridge opened"}, format="json",
        HTTP_IF_MATCH=etag,
    )  # fmt: skip
    assert refused.status_code == 403
    assert Annotation.objects.get(pk=annotation.pk).quote == "the bridge"
