import httpx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from annotator import services
from annotator.models import Comment, Mention, Review
from tests import factories

XSS = (
    "**Source?** see @bob\n\n"
    "<script>alert(1)</script> <img src=x onerror=alert(1)> [click](javascript:alert(1))"
)

COMMENT_FIELDS = {
    "id", "annotation", "parent", "author", "body", "body_html",
    "created", "modified", "edited", "edited_at", "deleted",
}  # fmt: skip
REVIEW_FIELDS = {
    "annotation", "reviewer", "verdict", "proposed_tag", "comment", "claim_version",
    "judged_tag", "current", "created", "modified",
}  # fmt: skip


@pytest.fixture
def annotation(article, alice):
    return factories.annotate(article, alice, "Officials")


def _token_client(live_server, username):
    client = httpx.Client(base_url=f"{live_server.url}/api", timeout=10)
    token = client.post(
        "/token/", json={"username": username, "password": factories.PASSWORD}
    ).json()["token"]
    client.headers["Authorization"] = f"Token {token}"
    return client


@pytest.fixture
def alice_http(live_server, alice):
    client = _token_client(live_server, "alice")
    yield client
    client.close()


@pytest.fixture
def bob_http(live_server, bob):
    client = _token_client(live_server, "bob")
    yield client
    client.close()


# Real HTTP against live_server: the core flows --------------------------------------------


def test_comment_thread_over_http(alice_http, bob_http, annotation, alice, bob):
    url = f"/annotations/{annotation.pk}/comments/"
    created = bob_http.post(url, json={"body": XSS})
    assert created.status_code == 201, created.text
    first = created.json()
    # A new comment also says which @names were nobody's (here none: @bob is someone).
    assert set(first) == COMMENT_FIELDS | {"unknown_mentions"}
    assert first["unknown_mentions"] == []
    assert created.headers["Location"].endswith(f"/api/comments/{first['id']}/")
    assert first["body"] == XSS.strip()
    assert (first["author"], first["parent"], first["annotation"]) == ("bob", None, annotation.pk)
    assert (first["edited"], first["edited_at"], first["deleted"]) == (False, None, False)
    html = first["body_html"]
    assert "<strong>Source?</strong>" in html
    assert '<a href="/people/bob/" class="mention"' in html
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html  # shown as text, not run

    reply = alice_http.post(
        url, json={"body": "The *minutes* of the council.", "parent": first["id"]}
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["parent"] == first["id"]
    assert reply.json()["body_html"] == "<p>The <em>minutes</em> of the council.</p>\n"
    later = bob_http.post(url, json={"body": "Another point."}).json()

    thread = alice_http.get(url)
    assert thread.status_code == 200
    results = thread.json()["results"]
    assert [(c["id"], c["parent"]) for c in results] == [
        (first["id"], None),
        (reply.json()["id"], first["id"]),
        (later["id"], None),
    ]
    assert thread.json()["next"] is None and thread.json()["count"] == 3

    edited = bob_http.patch(f"/comments/{first['id']}/", json={"body": "Source, @alice?"})
    assert edited.status_code == 200, edited.text
    assert edited.json()["body"] == "Source, @alice?" and edited.json()["edited"] is True
    assert edited.json()["edited_at"] is not None
    assert Mention.objects.filter(user=alice, comment_id=first["id"]).exists()

    deleted = bob_http.delete(f"/comments/{first['id']}/")
    assert deleted.status_code == 204 and deleted.content == b""
    gone = alice_http.get(f"/comments/{first['id']}/").json()
    assert gone["deleted"] is True
    assert (gone["body"], gone["body_html"], gone["author"]) == ("", "", None)
    results = alice_http.get(url).json()["results"]
    assert [c["deleted"] for c in results] == [True, False, False]
    assert Comment.objects.get(pk=first["id"]).history.first().body == "Source, @alice?"


def test_review_put_get_and_change_over_http(bob_http, annotation, bob):
    url = f"/annotations/{annotation.pk}/review/"
    missing = bob_http.get(url)
    assert missing.status_code == 404 and missing.json()["code"] == "no_review"

    created = bob_http.put(url, json={"verdict": "agree"})
    assert created.status_code == 201, created.text
    assert set(created.json()) == REVIEW_FIELDS
    assert created.json() | {"created": None, "modified": None} == {
        "annotation": annotation.pk, "reviewer": "bob", "verdict": "agree",
        "proposed_tag": None, "comment": "", "claim_version": 1, "judged_tag": "fact",
        "current": True, "created": None, "modified": None,
    }  # fmt: skip
    assert bob_http.get(url).json() == created.json()

    changed = bob_http.put(
        url, json={"verdict": "disagree", "proposed_tag": "opinion", "comment": "A judgement."}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["verdict"], changed.json()["proposed_tag"]) == ("disagree", "opinion")
    assert bob_http.get(url).json()["comment"] == "A judgement."
    status = bob_http.get(f"/annotations/{annotation.pk}/").json()["status"]
    assert status == "disputed"
    assert Review.objects.get().history.count() == 2


def test_writes_over_http_record_the_acting_user_in_history(
    alice_http, bob_http, annotation, alice, bob
):
    url = f"/annotations/{annotation.pk}/comments/"
    comment_id = bob_http.post(url, json={"body": "First"}).json()["id"]
    bob_http.patch(f"/comments/{comment_id}/", json={"body": "First!"})
    bob_http.delete(f"/comments/{comment_id}/")
    review_url = f"/annotations/{annotation.pk}/review/"
    bob_http.put(review_url, json={"verdict": "agree"})
    bob_http.put(review_url, json={"verdict": "disagree"})

    comment_rows = Comment.objects.get(pk=comment_id).history.order_by("history_id")
    assert [(r.history_type, r.history_change_reason, r.history_user) for r in comment_rows] == [
        ("+", None, bob),
        ("~", "edited", bob),
        ("~", "deleted", bob),
    ]
    review_rows = Review.objects.get().history.order_by("history_id")
    assert [(r.history_type, r.verdict, r.history_user) for r in review_rows] == [
        ("+", "agree", bob),
        ("~", "disagree", bob),
    ]


# APIClient for the many cases ---------------------------------------------------------------


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def api(alice):
    return _client(alice)


@pytest.fixture
def bob_api(bob):
    return _client(bob)


def _assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"].strip()
    assert isinstance(body["code"], str) and body["code"]
    if code:
        assert body["code"] == code, body
    return body


def _written():
    """Everything a discussion write could add, to show an error wrote nothing."""
    return (
        Comment.objects.count(),
        Comment.history.count(),
        Mention.objects.count(),
        Review.objects.count(),
        Review.history.count(),
    )


@pytest.mark.parametrize(
    ("payload", "code", "sentence"),
    [
        ({"body": ""}, "body", "Write something before posting."),
        ({"body": "   \n "}, "body", "Write something before posting."),
        ({}, "required", "body: This field is required."),
        ({"body": None}, "null", None),
        ({"body": ["x"]}, "invalid", None),
        ({"body": "x" * 10_001}, "body", "the limit is 10,000"),
        ({"body": "ok", "parent": 99_999}, "parent", "There is no comment 99999"),
        ({"body": "ok", "parent": "first"}, "invalid", None),
        ({"body": "ok", "parent": 0}, "min_value", None),
        ({"body": "nul \x00"}, "null_characters_not_allowed", None),
    ],
)
def test_comment_create_errors_are_json_and_write_nothing(api, annotation, payload, code, sentence):
    before = _written()
    response = api.post(f"/api/annotations/{annotation.pk}/comments/", payload, format="json")
    body = _assert_error(response, 400, code)
    if sentence:
        assert sentence in body["detail"]
    assert _written() == before


def test_a_body_of_exactly_ten_thousand_characters_is_accepted(api, annotation):
    response = api.post(
        f"/api/annotations/{annotation.pk}/comments/", {"body": "x" * 10_000}, format="json"
    )
    assert response.status_code == 201


def test_a_parent_from_another_thread_is_400(api, article, annotation, alice, bob):
    other = factories.annotate(article, alice, "bridge")
    elsewhere = services.comment_create(annotation=other, author=bob, body="Elsewhere")
    before = _written()
    response = api.post(
        f"/api/annotations/{annotation.pk}/comments/",
        {"body": "Reply", "parent": elsewhere.pk},
        format="json",
    )
    body = _assert_error(response, 400, "parent")
    assert body["detail"] == "parent: The reply must belong to the same thread."
    assert _written() == before


def test_a_reply_to_a_reply_joins_the_first_level(api, annotation, alice, bob):
    top = services.comment_create(annotation=annotation, author=bob, body="Top")
    reply = services.comment_create(annotation=annotation, author=alice, body="Re", parent=top)
    response = api.post(
        f"/api/annotations/{annotation.pk}/comments/",
        {"body": "Re re", "parent": reply.pk},
        format="json",
    )
    assert response.status_code == 201 and response.json()["parent"] == top.pk


def test_a_deleted_annotation_takes_no_comments_or_reviews(api, bob_api, annotation, alice, bob):
    comment = services.comment_create(annotation=annotation, author=bob, body="Before")
    services.annotation_delete(annotation=annotation, actor=alice)
    before = _written()
    url = f"/api/annotations/{annotation.pk}/"
    body = _assert_error(api.post(f"{url}comments/", {"body": "Hi"}, format="json"), 400)
    assert body == {"detail": "This annotation has been deleted.", "code": "deleted"}
    body = _assert_error(bob_api.put(f"{url}review/", {"verdict": "agree"}, format="json"), 400)
    assert body == {"detail": "This annotation has been deleted.", "code": "deleted"}
    assert _written() == before
    # The thread stays readable, like the annotation's history.
    assert [c["id"] for c in api.get(f"{url}comments/").json()["results"]] == [comment.pk]


def test_unknown_annotations_and_comments_are_json_404s(api, tags):
    for path in [
        "/api/annotations/999/comments/",
        "/api/annotations/abc/comments/",
        "/api/annotations/99999999999999999999999/comments/",
        "/api/annotations/999/review/",
        "/api/annotations/abc/review/",
        "/api/comments/999/",
        "/api/comments/abc/",
    ]:
        _assert_error(api.get(path), 404, "not_found")
    _assert_error(
        api.post("/api/annotations/999/comments/", {"body": "x"}, format="json"), 404, "not_found"
    )
    _assert_error(api.put("/api/annotations/999/review/", {"verdict": "agree"}), 404, "not_found")
    _assert_error(api.patch("/api/comments/999/", {"body": "x"}, format="json"), 404)
    _assert_error(api.delete("/api/comments/999/"), 404)


def test_anonymous_calls_are_401_json(client, annotation):
    for method, path in [
        ("get", f"/api/annotations/{annotation.pk}/comments/"),
        ("post", f"/api/annotations/{annotation.pk}/comments/"),
        ("get", f"/api/annotations/{annotation.pk}/review/"),
        ("put", f"/api/annotations/{annotation.pk}/review/"),
        ("patch", "/api/comments/1/"),
        ("delete", "/api/comments/1/"),
    ]:
        _assert_error(getattr(client, method)(path), 401, "not_authenticated")


def test_another_person_cannot_edit_or_delete_a_comment(api, annotation, bob):
    comment = services.comment_create(annotation=annotation, author=bob, body="Mine")
    before = _written()
    url = f"/api/comments/{comment.pk}/"
    body = _assert_error(api.patch(url, {"body": "Yours now"}, format="json"), 403)
    assert body == {
        "detail": "Only its author can change or delete a comment.",
        "code": "permission_denied",
    }
    # Refused before the body is read: a bad body from someone else is still 403.
    _assert_error(api.patch(url, {"body": ""}, format="json"), 403, "permission_denied")
    _assert_error(api.delete(url), 403, "permission_denied")
    comment.refresh_from_db()
    assert comment.body == "Mine" and not comment.is_deleted and comment.edited_at is None
    assert _written() == before


@pytest.mark.parametrize(
    ("payload", "code"),
    [({"body": ""}, "body"), ({"body": "y" * 10_001}, "body"), ({}, "required")],
)
def test_comment_edit_errors_write_nothing(bob_api, annotation, bob, payload, code):
    comment = services.comment_create(annotation=annotation, author=bob, body="Mine")
    before = _written()
    _assert_error(bob_api.patch(f"/api/comments/{comment.pk}/", payload, format="json"), 400, code)
    comment.refresh_from_db()
    assert comment.body == "Mine" and comment.edited_at is None
    assert _written() == before


def test_a_deleted_comment_cannot_be_edited_or_deleted_again(bob_api, annotation, bob):
    comment = services.comment_create(annotation=annotation, author=bob, body="Mine")
    services.comment_delete(comment=comment, actor=bob)
    before = _written()
    url = f"/api/comments/{comment.pk}/"
    body = _assert_error(bob_api.patch(url, {"body": "Back"}, format="json"), 400, "deleted")
    assert body["detail"] == "This comment has been deleted."
    _assert_error(bob_api.delete(url), 400, "deleted")
    assert _written() == before


def test_an_unchanged_edit_is_not_a_revision(bob_api, annotation, bob):
    comment = services.comment_create(annotation=annotation, author=bob, body="Same")
    response = bob_api.patch(f"/api/comments/{comment.pk}/", {"body": " Same\n"}, format="json")
    assert response.status_code == 200 and response.json()["edited"] is False
    assert comment.history.count() == 1


def test_nobody_reviews_their_own_annotation(api, annotation):
    before = _written()
    url = f"/api/annotations/{annotation.pk}/review/"
    body = _assert_error(api.put(url, {"verdict": "agree"}, format="json"), 403)
    assert body == {
        "detail": "You cannot review your own annotation.",
        "code": "permission_denied",
    }
    body = _assert_error(api.get(url), 404, "no_review")
    assert "your own annotation" in body["detail"]
    assert _written() == before


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({"verdict": "disagree", "proposed_tag": "rumour"}, "proposed_tag", "proposed_tag"),
        ({"verdict": "disagree", "proposed_tag": "fact"}, "proposed_tag", "proposed_tag"),
        ({"verdict": "maybe"}, "invalid_choice", "verdict"),
        ({}, "required", "verdict"),
        ({"verdict": "agree", "comment": "z" * 2001}, "comment", "comment"),
        ({"verdict": "disagree", "proposed_tag": ["fact"]}, "invalid", "proposed_tag"),
    ],
)
def test_review_errors_are_json_and_write_nothing(bob_api, annotation, payload, code, field):
    before = _written()
    response = bob_api.put(f"/api/annotations/{annotation.pk}/review/", payload, format="json")
    body = _assert_error(response, 400, code)
    assert field in body["fields"]
    assert _written() == before


def test_a_review_error_leaves_the_earlier_review_alone(bob_api, annotation, bob):
    services.review_set(annotation=annotation, reviewer=bob, verdict="agree")
    before = _written()
    url = f"/api/annotations/{annotation.pk}/review/"
    response = bob_api.put(url, {"verdict": "disagree", "proposed_tag": "rumour"}, format="json")
    body = _assert_error(response, 400, "proposed_tag")
    assert body["detail"] == (
        "proposed_tag: There is no tag called 'rumour'. Use one of: fact, opinion, speculation."
    )
    assert Review.objects.get().verdict == "agree"
    assert _written() == before


def test_reviewing_again_with_the_same_verdict_is_200_without_a_revision(bob_api, annotation):
    url = f"/api/annotations/{annotation.pk}/review/"
    assert bob_api.put(url, {"verdict": "agree"}, format="json").status_code == 201
    assert bob_api.put(url, {"verdict": "agree"}, format="json").status_code == 200
    assert Review.history.count() == 1


def test_comment_lists_are_paginated(api, annotation, bob):
    for n in range(3):
        services.comment_create(annotation=annotation, author=bob, body=f"Comment {n}")
    url = f"/api/annotations/{annotation.pk}/comments/?page_size=2"
    first = api.get(url).json()
    assert [c["body"] for c in first["results"]] == ["Comment 0", "Comment 1"]
    second = api.get(first["next"]).json()
    assert [c["body"] for c in second["results"]] == ["Comment 2"] and second["next"] is None


def _thread_queries(api, annotation):
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"/api/annotations/{annotation.pk}/comments/")
    assert response.status_code == 200
    return len(queries), len(response.json()["results"])


def test_thread_query_count_is_the_same_for_5_and_50_comments(api, annotation, alice, bob, carol):
    def add(count):
        for n in range(count):
            author = [alice, bob, carol][n % 3]
            comment = services.comment_create(
                annotation=annotation, author=author, body=f"**{n}** thanks @carol and @bob"
            )
            if n % 4 == 1:
                services.comment_create(
                    annotation=annotation, author=bob, body="Reply", parent=comment
                )
            if n % 5 == 2:
                services.comment_delete(comment=comment, actor=author)

    add(4)
    five = _thread_queries(api, annotation)
    add(36)  # 36 more comments and 9 replies
    fifty = _thread_queries(api, annotation)
    assert five[1] == 5 and fifty[1] == 50
    assert five[0] == fifty[0]
