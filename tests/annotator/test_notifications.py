"""Notifications: who is told of what, the inbox, the badge count, the API, mentions in
any case and names that are nobody's."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from annotator import services
from annotator.models import Event, Mention, Notification
from annotator.selectors.discussion import unread_count
from tests import factories

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def annotation(article, alice):
    return factories.annotate(article, alice, "shameful waste", "opinion")


def _kinds(user):
    return sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_a_mention_in_any_case_reaches_the_person(annotation, alice, bob):
    comment = services.comment_create(annotation=annotation, author=bob, body="@ALICE see this")
    assert Mention.objects.get(comment=comment).user == alice
    notification = Notification.objects.get(user=alice)
    assert (notification.kind, notification.comment, notification.actor) == (
        "mention",
        comment,
        bob,
    )
    assert "bob mentioned you" in notification.text
    assert comment.unknown_mentions == []
    assert unread_count(alice.pk) == 1


def test_a_name_that_is_nobodys_is_reported_and_tells_nobody(annotation, bob):
    comment = services.comment_create(annotation=annotation, author=bob, body="@zed and @Zed?")
    assert comment.unknown_mentions == ["Zed"] or comment.unknown_mentions == ["zed"]
    assert not Notification.objects.exists()


def test_a_reply_tells_the_author_of_the_comment_replied_to(annotation, alice, bob, carol):
    first = services.comment_create(annotation=annotation, author=carol, body="Hm.")
    second = services.comment_create(annotation=annotation, author=alice, body="Why?", parent=first)
    assert _kinds(carol) == ["reply"]
    # A reply to a reply tells that reply's author (the thread keeps one level).
    services.comment_create(annotation=annotation, author=bob, body="Because.", parent=second)
    assert _kinds(alice) == ["reply"]
    assert _kinds(carol) == ["reply"]
    # Replying to oneself tells nobody; a mention and a reply to the same person is one.
    services.comment_create(annotation=annotation, author=bob, body="Also.", parent=second)
    services.comment_create(annotation=annotation, author=carol, body="@alice ok", parent=second)
    assert _kinds(alice) == ["mention", "reply", "reply"]


def test_verdicts_tell_the_author_and_say_what_was_proposed(annotation, alice, bob):
    services.review_set(
        annotation=annotation, reviewer=bob, verdict="disagree", proposed_tag="fact",
        comment="It is checkable.",
    )  # fmt: skip
    text = Notification.objects.get(user=alice, kind="verdict").text
    assert text.startswith("bob disagreed with your annotation")
    assert "(proposes Fact)" in text and "It is checkable." in text
    services.review_set(annotation=annotation, reviewer=bob, verdict="agree")
    assert _kinds(alice) == ["verdict", "verdict"]
    assert not Notification.objects.filter(user=bob).exists()


def test_a_settlement_tells_the_author_and_those_with_a_verdict(annotation, alice, bob, carol):
    services.review_set(annotation=annotation, reviewer=bob, verdict="disagree")
    curator = factories.make_curator(factories.make_user("cora"))
    services.review_set(annotation=annotation, reviewer=curator, verdict="agree")
    services.annotation_settle(annotation=annotation, actor=curator, tag="fact", reason="Dated.")
    assert _kinds(bob) == ["settlement"]
    assert "settlement" in _kinds(alice)
    assert "settlement" not in _kinds(curator) and not _kinds(carol)
    assert "as Fact: Dated." in Notification.objects.filter(kind="settlement").first().text


def test_the_badge_event_follows_the_change_it_is_about(annotation, alice, bob):
    services.comment_create(annotation=annotation, author=bob, body="@alice?")
    kinds = list(Event.objects.order_by("id").values_list("kind", "recipient_id"))
    assert kinds[-2:] == [("comment.created", None), ("badge.changed", alice.pk)]


def test_inbox_lists_unread_first_and_marks_all_read(client, annotation, alice, bob):
    services.review_set(annotation=annotation, reviewer=bob, verdict="agree")
    services.comment_create(annotation=annotation, author=bob, body="@alice look")
    older = Notification.objects.get(kind="verdict")
    services.notifications_mark_read(user=alice, notification_ids=[older.pk])
    client.force_login(alice)
    page = client.get("/notifications/").content.decode()
    assert page.index("bob mentioned you") < page.index("bob agreed with your annotation")
    assert "1 unread." in page
    response = client.post("/notifications/read/")
    assert response.status_code == 302
    assert unread_count(alice.pk) == 0
    # Marking the mention's notification read marks the mention read too.
    assert not Mention.objects.filter(user=alice, is_read=False).exists()


def test_opening_a_notification_marks_it_read_and_goes_to_the_comment(
    client, annotation, alice, bob
):
    comment = services.comment_create(annotation=annotation, author=bob, body="@alice look")
    notification = Notification.objects.get(user=alice)
    client.force_login(bob)
    assert client.post("/notifications/read/", {"notification": notification.pk}).status_code == 404
    client.force_login(alice)
    response = client.post("/notifications/read/", {"notification": notification.pk})
    assert response["Location"] == f"/annotations/{annotation.pk}/thread/#comment-{comment.pk}"
    notification.refresh_from_db()
    assert notification.is_read


def test_the_mentions_page_marks_their_notifications_read(client, annotation, alice, bob):
    services.comment_create(annotation=annotation, author=bob, body="@alice look")
    client.force_login(alice)
    client.post("/mentions/read/")
    assert unread_count(alice.pk) == 0


def test_inbox_queries_stay_constant(client, article, alice, bob):
    client.force_login(alice)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/notifications/").status_code == 200
        return len(queries)

    a = factories.annotate(article, alice, "the bridge", "fact")
    services.comment_create(annotation=a, author=bob, body="@alice one")
    few = count()
    for n in range(10):
        services.comment_create(annotation=a, author=bob, body=f"@alice {n}")
        services.review_set(annotation=a, reviewer=bob, verdict="agree" if n % 2 else "disagree")
    assert count() == few


def test_api_lists_and_marks_read(annotation, alice, bob):
    services.comment_create(annotation=annotation, author=bob, body="@alice look")
    services.review_set(annotation=annotation, reviewer=bob, verdict="agree")
    api = APIClient()
    api.force_authenticate(alice)
    body = api.get("/api/notifications/").json()
    assert body["unread"] == 2
    assert [n["kind"] for n in body["results"]] == ["verdict", "mention"]
    assert body["results"][0]["actor"] == "bob"
    assert body["results"][0]["article"] == annotation.article.slug
    marked = api.post(
        "/api/notifications/read/", {"ids": [body["results"][0]["id"]]}, format="json"
    ).json()
    assert marked == {"marked": 1, "unread": 1}
    assert api.post("/api/notifications/read/", {"ids": ["x"]}, format="json").status_code == 400
    assert api.post("/api/notifications/read/", {}, format="json").json()["unread"] == 0
    assert APIClient().get("/api/notifications/").status_code == 401


def test_names_endpoint_completes_in_any_case(client, alice, bob):
    factories.make_user("Bobby")
    factories.make_user("bobcat", is_active=False)
    client.force_login(alice)
    assert client.get("/mentions/names/", {"q": "BO"}).json() == {
        "names": ["bob", "Bobby"],
        "exact": False,
    }
    assert client.get("/mentions/names/", {"q": "@bobby"}).json()["exact"] is True
    assert client.get("/mentions/names/", {"q": ""}).json() == {"names": [], "exact": False}
    client.logout()
    assert client.get("/mentions/names/", {"q": "bo"}).status_code == 302


def test_posting_a_comment_with_nobodys_name_warns_on_the_page(client, annotation, bob):
    client.force_login(bob)
    response = client.post(f"/annotations/{annotation.pk}/comments/", {"body": "Ask @zed"}, **HX)
    assert response.status_code == 200
    assert "Nobody has the user name @zed, so nobody was told." in response.content.decode()


def test_the_digest_emails_each_person_once_per_notification(annotation, alice, bob, mailoutbox):
    from io import StringIO

    from django.core.management import call_command

    alice.email = "alice@example.org"
    alice.save()
    services.comment_create(annotation=annotation, author=bob, body="@alice look")
    services.review_set(annotation=annotation, reviewer=bob, verdict="agree")
    out = StringIO()
    call_command("send_notification_digest", "--dry-run", stdout=out)
    assert "Would e-mail 1 person about 2 notifications." in out.getvalue()
    assert mailoutbox == []
    call_command("send_notification_digest", stdout=out)
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["alice@example.org"]
    assert mail.subject == "Claimmark: 2 new notifications"
    assert "bob mentioned you" in mail.body and "bob agreed with" in mail.body
    assert "/notifications/" in mail.body
    call_command("send_notification_digest", stdout=out)  # nothing new: no second e-mail
    assert len(mailoutbox) == 1
    # Bob has no address: nothing for him, whatever he has unread.
    services.comment_create(annotation=annotation, author=alice, body="@bob thanks")
    call_command("send_notification_digest", stdout=out)
    assert len(mailoutbox) == 1
