"""Curators settle disputes: the final tag and a reason, in history, shown in the
thread, the sidebar, the queue and the API; they can reopen; never on their own."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from annotator import services
from annotator.models import Annotation
from tests import factories

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def curator(db):
    return factories.make_curator(factories.make_user("dora"))


@pytest.fixture
def disputed(article, alice, bob, carol):
    annotation = factories.annotate(article, alice, "shameful waste", "fact")
    services.review_set(annotation=annotation, reviewer=bob, verdict="agree")
    services.review_set(
        annotation=annotation, reviewer=carol, verdict="disagree", proposed_tag="opinion"
    )
    return annotation


def _fresh(annotation):
    return (
        Annotation.objects.with_status()
        .select_related("settled_tag", "settled_by")
        .get(pk=annotation.pk)
    )


# Services -----------------------------------------------------------------------------


def test_a_curator_settles_and_reopens_and_history_keeps_both(disputed, curator, bob):
    services.annotation_settle(
        annotation=disputed, actor=curator, tag="opinion", reason="  A value judgement. "
    )
    settled = _fresh(disputed)
    assert settled.status == "settled" and settled.final_tag.key == "opinion"
    assert (settled.settled_reason, settled.settled_by) == ("A value judgement.", curator)
    assert settled.tag.key == "fact"  # the author's tag stays the author's
    assert disputed.pk not in Annotation.objects.needs_review_by(bob).values_list("pk", flat=True)
    assert not Annotation.objects.filter_status("disputed").exists()

    services.annotation_reopen(annotation=disputed, actor=curator)
    reopened = _fresh(disputed)
    assert reopened.status == "disputed" and reopened.settled_tag is None
    rows = list(disputed.history.order_by("history_id"))
    assert [(r.history_change_reason, r.history_user) for r in rows[-2:]] == [
        ("settled", curator),
        ("reopened", curator),
    ]
    assert rows[-2].settled_tag.key == "opinion"  # the settlement stays in the history


def test_settling_again_replaces_and_repeating_writes_nothing(disputed, curator):
    services.annotation_settle(annotation=disputed, actor=curator, tag="opinion", reason="A.")
    services.annotation_settle(annotation=disputed, actor=curator, tag="opinion", reason="A.")
    services.annotation_settle(annotation=disputed, actor=curator, tag="fact", reason="B.")
    assert [r.history_change_reason for r in disputed.history.order_by("history_id")][1:] == [
        "settled",
        "settled",
    ]
    assert _fresh(disputed).final_tag.key == "fact"


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("bob", "Only curators settle disputes"),
        ("alice-curator", "cannot settle your own annotation"),
    ],
)
def test_only_a_curator_who_is_not_the_author_settles(disputed, alice, bob, who, message):
    actor = factories.make_curator(alice) if who == "alice-curator" else bob
    with pytest.raises(PermissionDenied, match=message):
        services.annotation_settle(annotation=disputed, actor=actor, tag="opinion", reason="X")
    with pytest.raises(PermissionDenied, match=message):
        services.annotation_reopen(annotation=disputed, actor=actor)
    assert _fresh(disputed).status == "disputed"


@pytest.mark.parametrize(
    ("tag", "reason", "message"),
    [
        ("opinion", "   ", "Give a reason"),
        ("satire", "Because.", "no tag called 'satire'"),
        ("opinion", "x" * 2001, "limit is 2,000"),
    ],
)
def test_settling_refuses_bad_input(disputed, curator, tag, reason, message):
    with pytest.raises(ValidationError, match=message):
        services.annotation_settle(annotation=disputed, actor=curator, tag=tag, reason=reason)
    assert disputed.history.count() == 1


def test_reopening_what_is_not_settled_and_settling_a_deleted_one_are_refused(
    disputed, curator, alice
):
    with pytest.raises(ValidationError, match="not settled"):
        services.annotation_reopen(annotation=disputed, actor=curator)
    services.annotation_delete(annotation=disputed, actor=alice)
    with pytest.raises(ValidationError, match="deleted"):
        services.annotation_settle(annotation=disputed, actor=curator, tag="fact", reason="R")


def test_a_change_of_claim_outdates_the_settlement(disputed, curator, alice):
    services.annotation_settle(annotation=disputed, actor=curator, tag="opinion", reason="R")
    services.annotation_update(annotation=disputed, actor=alice, tag="speculation")
    changed = _fresh(disputed)
    assert not changed.is_settled and changed.has_outdated_settlement
    assert changed.status == "pending"  # no verdict on version 2 yet
    assert changed.final_tag is None
    services.annotation_reopen(annotation=disputed, actor=curator)  # clears the old one
    assert not _fresh(disputed).has_outdated_settlement


# API ------------------------------------------------------------------------------------


def _api(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_settle_and_reopen_over_the_api(disputed, curator):
    url = f"/api/annotations/{disputed.pk}/settle/"
    response = _api(curator).post(url, {"tag": "opinion", "reason": "Judgement."}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["final_tag"], body["tag"]) == ("settled", "opinion", "fact")
    settlement = body["settlement"]
    assert settlement | {"at": None} == {
        "tag": "opinion", "reason": "Judgement.", "by": "dora", "at": None,
        "claim_version": 1, "current": True,
    }  # fmt: skip
    got = _api(curator).get(f"/api/annotations/{disputed.pk}/").json()
    assert got["status"] == "settled" and got["settlement"]["by"] == "dora"
    listed = (
        _api(curator)
        .get(f"/api/articles/{disputed.article.slug}/annotations/?status=settled")
        .json()
    )
    assert [a["id"] for a in listed["results"]] == [disputed.pk]

    reopened = _api(curator).delete(url)
    assert reopened.status_code == 200
    assert (reopened.json()["status"], reopened.json()["settlement"]) == ("disputed", None)
    history = _api(curator).get(f"/api/annotations/{disputed.pk}/history/").json()
    assert [h["action"] for h in history[:2]] == ["reopened", "settled"]
    assert history[1]["changes"][0] == {"field": "settled_tag", "old": "", "new": "opinion"}


@pytest.mark.parametrize(
    ("who", "data", "status", "code", "sentence"),
    [
        (None, {"tag": "fact", "reason": "R"}, 401, "not_authenticated", "Sign in first"),
        ("bob", {"tag": "fact", "reason": "R"}, 403, "permission_denied", "Only curators"),
        ("alice", {"tag": "fact", "reason": "R"}, 403, "permission_denied", "your own"),
        ("dora", {"tag": "fact", "reason": ""}, 400, "reason", "Give a reason"),
        ("dora", {"tag": "gossip", "reason": "R"}, 400, "tag", "no tag called 'gossip'"),
        ("dora", {"reason": "R"}, 400, "required", "tag: This field is required."),
        ("dora", {"tag": ["fact"], "reason": "R"}, 400, "invalid", "tag: Not a valid string."),
    ],
)
def test_settle_refuses_with_a_sentence(
    disputed, curator, alice, bob, who, data, status, code, sentence
):
    users = {"bob": bob, "alice": factories.make_curator(alice), "dora": curator, None: None}
    response = _api(users[who]).post(f"/api/annotations/{disputed.pk}/settle/", data, format="json")
    assert response.status_code == status, response.content
    assert response.json()["code"] == code and sentence in response.json()["detail"]
    assert _fresh(disputed).status == "disputed"


def test_settle_errors_for_odd_targets(disputed, curator):
    api = _api(curator)
    missing = api.post("/api/annotations/999999/settle/", {"tag": "fact", "reason": "R"})
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    junk = api.post("/api/annotations/abc/settle/", {"tag": "fact", "reason": "R"})
    assert junk.status_code == 404
    not_settled = api.delete(f"/api/annotations/{disputed.pk}/settle/")
    assert not_settled.status_code == 400 and not_settled.json()["code"] == "not_settled"
    broken = api.post(
        f"/api/annotations/{disputed.pk}/settle/", "{oops", content_type="application/json"
    )
    assert broken.status_code == 400 and "could not be read" in broken.json()["detail"]


# Pages ------------------------------------------------------------------------------------


def thread_url(annotation):
    return reverse("annotator:annotation_thread", args=[annotation.pk])


def test_the_thread_offers_curators_the_settlement_and_shows_it(client, disputed, curator, bob):
    client.force_login(bob)
    html = client.get(thread_url(disputed)).content.decode()
    assert 'id="settlement"' not in html  # neither settled nor a curator

    client.force_login(curator)
    html = client.get(thread_url(disputed)).content.decode()
    assert "Settle as curator" in html and 'name="reason"' in html
    url = reverse("annotator:annotation_settle", args=[disputed.pk])
    response = client.post(url, {"tag": "opinion", "reason": "It judges."}, **HX)
    assert response.status_code == 200
    assert "claimmark:annotation-changed" in response["HX-Trigger"]
    html = response.content.decode()
    assert "⚖ Settled" in html and "It judges." in html and "Reopen" in html
    assert "<html" not in html

    client.force_login(bob)
    html = client.get(thread_url(disputed)).content.decode()
    assert "⚖ Settled" in html and "It judges." in html and "Reopen" not in html
    reader = client.get(disputed.article.get_absolute_url()).content.decode()
    assert 'data-status="settled"' in reader and "ann-item__final" in reader


def test_settling_from_a_page_without_htmx_and_its_errors(client, disputed, curator, bob):
    url = reverse("annotator:annotation_settle", args=[disputed.pk])
    client.force_login(curator)
    response = client.post(url, {"tag": "opinion", "reason": ""}, **HX)
    assert response.status_code == 400 and response["HX-Retarget"] == "#settle-error"
    assert "Give a reason" in response.content.decode()
    response = client.post(url, {"tag": "opinion", "reason": "Judges."})
    assert response.status_code == 302 and response["Location"].endswith("#settlement")
    client.force_login(bob)
    response = client.post(reverse("annotator:annotation_reopen", args=[disputed.pk]), **HX)
    assert response.status_code == 403 and "Only curators" in response.content.decode()
    assert _fresh(disputed).status == "settled"


def test_the_disputed_tab_is_a_curators_queue(client, article, alice, bob, carol, curator):
    older = factories.annotate(article, alice, "Officials", "fact")
    newer = factories.annotate(article, curator, "bridge", "fact")  # the curator's own
    for a in (older, newer):
        services.review_set(annotation=a, reviewer=carol, verdict="disagree")
    client.force_login(curator)
    url = reverse("annotator:review_queue") + "?tab=disputed"
    response = client.get(url)
    assert [a.pk for a in response.context["items"]] == [older.pk, newer.pk]  # oldest first
    html = response.content.decode()
    assert f'action="/annotations/{older.pk}/settle/"' in html
    assert f'action="/annotations/{newer.pk}/settle/"' not in html
    assert "another curator settles it" in html

    settle = reverse("annotator:annotation_settle", args=[older.pk])
    response = client.post(settle, {"tag": "fact", "reason": "Checked.", "next": "queue"}, **HX)
    assert response.status_code == 200
    assert [a.pk for a in response.context["items"]] == [newer.pk]  # it left the queue
    response = client.post(settle, {"tag": "fact", "reason": "Again", "next": "queue"})
    assert response.status_code == 302 and response["Location"].endswith("?tab=disputed")


def test_the_queue_shows_what_changed_since_my_verdict(client, article, alice, bob):
    annotation = factories.annotate(article, alice, "opened in 2019", "fact")
    services.review_set(annotation=annotation, reviewer=bob, verdict="agree")
    services.annotation_update(annotation=annotation, actor=alice, tag="speculation")
    client.force_login(bob)
    response = client.get(reverse("annotator:review_queue"))
    (item,) = response.context["items"]
    assert item.annotation.pk == annotation.pk
    assert item.change.tag_changed and not item.change.span_changed
    html = response.content.decode()
    assert "Changed since your verdict" in html
    assert "You agreed with version 1; this is version 2." in html
    thread = client.get(thread_url(annotation)).content.decode()
    assert "agreed with version 1" in thread and "On earlier versions" in thread
    assert "Changed since your verdict" in thread


def test_the_queue_shows_a_changed_span_from_the_history(client, article, alice, bob):
    """Span edits arrive with issue 15 and re-anchoring with issue 13; what they save is
    a new claim version with new offsets. The queue reads the words judged from the
    history, so both show the change."""
    annotation = factories.annotate(article, alice, "opened in 2019", "fact")
    services.review_set(annotation=annotation, reviewer=bob, verdict="agree")
    start = article.text.index("bridge opened")
    annotation.start, annotation.end = start, start + len("bridge opened in 2019")
    annotation.quote = article.text[annotation.start : annotation.end]
    annotation.claim_version = 2
    annotation._history_user = alice
    annotation.save()
    client.force_login(bob)
    (item,) = client.get(reverse("annotator:review_queue")).context["items"]
    assert item.change.span_changed and not item.change.tag_changed
    assert (item.change.old_quote, item.change.new_quote) == (
        "opened in 2019",
        "bridge opened in 2019",
    )


def test_queue_query_count_is_flat_with_changed_items(
    client, article, alice, bob, django_assert_max_num_queries
):
    def grow(count):
        for _ in range(count):
            a = factories.annotate(article, alice, "bridge", "fact")
            services.review_set(annotation=a, reviewer=bob, verdict="agree")
            services.annotation_update(annotation=a, actor=alice, tag="opinion")

    def fetch():
        with django_assert_max_num_queries(50) as captured:
            response = client.get(reverse("annotator:review_queue"))
        assert response.status_code == 200
        return len(captured), len(response.context["items"])

    client.force_login(bob)
    grow(3)
    small = fetch()
    grow(30)
    large = fetch()
    assert small[0] == large[0] and (small[1], large[1]) == (3, 20)


def test_a_settlement_reason_is_shown_as_text(client, disputed, curator, bob):
    services.annotation_settle(
        annotation=disputed, actor=curator, tag="opinion", reason="<script>alert(1)</script>"
    )
    client.force_login(bob)
    page = client.get(thread_url(disputed)).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page


def test_the_history_page_shows_settlements_and_adopted_proposals(
    client, disputed, curator, alice, carol
):
    services.annotation_update(annotation=disputed, actor=alice, tag="opinion")  # carol's
    services.annotation_settle(annotation=disputed, actor=curator, tag="opinion", reason="Yes.")
    services.annotation_reopen(annotation=disputed, actor=curator)
    client.force_login(alice)
    url = reverse("annotator:article_history", args=[disputed.article.slug])
    page = client.get(url).content.decode()
    assert "proposal adopted" in page
    assert 'action-settled">settled' in page and 'action-reopened">reopened' in page
    settled = client.get(url, {"action": "settled"}).context["revisions"]
    assert [(r.action, r.user) for r in settled] == [("settled", curator)]
    assert {c.label: c.after for c in settled[0].changes} == {
        "final tag": "opinion",
        "settlement reason": "Yes.",
    }
    changed = client.get(url, {"action": "changed"}).context["revisions"]
    assert "settled" not in {r.action for r in changed}
