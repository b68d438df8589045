import json

import httpx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from annotator import services
from annotator.models import Annotation, Review
from articles.models import Article
from tests import factories

# Real HTTP against live_server: the core flows --------------------------------------------


def test_token_then_create_patch_and_delete_over_http(http, article):
    created = http.post(
        f"/articles/{article.slug}/annotations/",
        json={"start": 0, "end": 9, "tag": "fact", "quote": "Officials"},
    )
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {
        "id", "article", "start", "end", "quote", "prefix", "suffix", "tag", "note",
        "author", "status", "anchor", "revision", "version", "claim_version", "final_tag",
        "settlement", "created", "modified",
    }  # fmt: skip
    assert body | {"created": None, "modified": None, "id": None} == {
        "id": None, "article": article.slug, "start": 0, "end": 9, "quote": "Officials",
        "prefix": "", "suffix": " said the bridge opened in 2019.", "tag": "fact", "note": "",
        "author": "alice", "status": "pending", "anchor": "exact", "revision": 1, "version": 1,
        "claim_version": 1, "final_tag": None, "settlement": None, "created": None,
        "modified": None,
    }  # fmt: skip
    url = f"/annotations/{body['id']}/"
    got = http.get(url)
    assert got.status_code == 200 and got.headers["ETag"] == f'"{body["id"]}-1"'

    missing = http.patch(url, json={"tag": "opinion"})
    assert missing.status_code == 428 and missing.json()["code"] == "precondition_required"

    patched = http.patch(
        url, json={"tag": "opinion", "note": "Judgement"}, headers={"If-Match": got.headers["ETag"]}
    )
    assert patched.status_code == 200
    assert patched.json()["tag"] == "opinion" and patched.json()["version"] == 2
    assert patched.headers["ETag"] == f'"{body["id"]}-2"'

    stale = http.patch(url, json={"tag": "fact"}, headers={"If-Match": got.headers["ETag"]})
    assert stale.status_code == 412
    assert stale.json()["code"] == "stale" and "alice" in stale.json()["detail"]
    assert stale.headers["ETag"] == patched.headers["ETag"]

    stale_delete = http.delete(url, headers={"If-Match": got.headers["ETag"]})
    assert stale_delete.status_code == 412
    deleted = http.delete(url, headers={"If-Match": patched.headers["ETag"]})
    assert deleted.status_code == 204 and deleted.headers["ETag"] == f'"{body["id"]}-3"'
    assert http.get(url).status_code == 404
    assert Annotation.objects.get(pk=body["id"]).is_deleted


def test_unauthenticated_api_call_gets_401_json_not_a_login_redirect(live_server, article):
    for method, path in [
        ("GET", "/api/articles/"),
        ("GET", f"/api/articles/{article.slug}/annotations/"),
        ("POST", f"/api/articles/{article.slug}/annotations/"),
        ("GET", "/api/export/?format=jsonl"),
        ("GET", "/api/schema/"),
    ]:
        response = httpx.request(method, f"{live_server.url}{path}", follow_redirects=False)
        assert response.status_code == 401, path
        assert response.headers["WWW-Authenticate"] == "Token"
        assert response.json()["code"] == "not_authenticated"


def test_a_wrong_token_gets_401_json(live_server, article):
    response = httpx.get(
        f"{live_server.url}/api/articles/", headers={"Authorization": "Token nope"}
    )
    assert response.status_code == 401 and response.json()["code"] == "authentication_failed"


def test_wrong_password_gets_400_json(live_server, alice):
    response = httpx.post(
        f"{live_server.url}/api/token/", json={"username": "alice", "password": "wrong"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The user name or password is not right.",
        "code": "invalid_credentials",
    }


def test_session_auth_works_for_the_api(alice_client, article):
    response = alice_client.get(f"/api/articles/{article.slug}/")
    assert response.status_code == 200
    assert response.json()["text"] == article.text


def test_export_streams_over_http(http, article, alice):
    factories.annotate(article, alice, "Officials", "fact")
    with http.stream("GET", "/export/?format=jsonl") as response:
        assert response.status_code == 200
        assert "Content-Length" not in response.headers
        lines = [json.loads(line) for line in response.iter_lines() if line]
    assert [line["quote"] for line in lines] == ["Officials"]


def test_docs_page_loads_its_scripts_from_static_files_under_the_csp(alice_client):
    response = alice_client.get("/api/docs/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in csp
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "<script>" not in html  # no inline script; the init script is a URL of its own
    script = alice_client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()


def test_docs_page_sends_anonymous_people_to_login(client):
    response = client.get("/api/docs/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# APIClient for the many cases ---------------------------------------------------------------


@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    return client


@pytest.fixture
def bob_api(bob):
    client = APIClient()
    client.force_authenticate(bob)
    return client


def _assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["code"], str) and body["code"]
    if code:
        assert body["code"] == code, body
    return body


def test_each_token_request_makes_a_new_token_stored_only_as_a_hash(client, alice):
    from annotator.models import ApiToken

    first = client.post(
        "/api/token/", {"username": "alice", "password": factories.PASSWORD}, "application/json"
    )
    second = client.post(
        "/api/token/", {"username": "alice", "password": factories.PASSWORD}, "application/json"
    )
    keys = {first.json()["token"], second.json()["token"]}
    assert len(keys) == 2 and first.json()["expires"] is None
    stored = ApiToken.objects.filter(user=alice)
    assert stored.count() == 2
    for token in stored:
        assert token.digest not in keys  # the key itself is nowhere in the table
    assert {t.digest for t in stored} == {ApiToken.digest_of(k) for k in keys}


def test_articles_list_create_and_retrieve(api, article):
    listed = api.get("/api/articles/")
    assert listed.status_code == 200
    assert [a["slug"] for a in listed.json()["results"]] == [article.slug]
    assert "text" not in listed.json()["results"][0]
    created = api.post(
        "/api/articles/",
        {"title": "A new piece", "text": "Line one.\n\u00a0\nLine two 😀.", "subtitle": "Sub"},
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["slug"] == "a-new-piece"
    assert created.json()["created_by"] == "alice"
    got = api.get("/api/articles/a-new-piece/")
    assert got.json()["text"] == "Line one.\n\u00a0\nLine two 😀."
    assert Article.objects.get(slug="a-new-piece").history.first().history_user.username == "alice"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"title": "", "text": "x"}, "blank"),
        ({"title": "T"}, "required"),
        ({"title": "T", "text": "   "}, "text"),
        ({"title": "T", "text": "x", "source_url": "not a url"}, "invalid"),
        ({"title": 5, "text": ["x"]}, "invalid"),
    ],
)
def test_article_create_errors_write_nothing(api, article, payload, code):
    _assert_error(api.post("/api/articles/", payload, format="json"), 400, code)
    assert Article.objects.count() == 1


def test_create_annotation_with_emoji_offsets_in_code_points(api, alice, tags):
    article = factories.make_article(created_by=alice, title="Emoji", text="Wow 😀 big fact here.")
    start = article.text.index("big")
    response = api.post(
        f"/api/articles/{article.slug}/annotations/",
        {"start": start, "end": start + 8, "tag": "fact", "quote": "big fact"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["quote"] == "big fact"
    assert response["Location"].endswith(f"/api/annotations/{response.json()['id']}/")


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({"start": 0, "end": 9999, "tag": "fact"}, "end", "end"),
        ({"start": 5, "end": 5, "tag": "fact"}, "start", "start"),
        ({"start": -1, "end": 5, "tag": "fact"}, "min_value", "start"),
        ({"start": "zero", "end": 5, "tag": "fact"}, "invalid", "start"),
        ({"start": 0, "end": 5.5, "tag": "fact"}, "invalid", "end"),
        ({"start": 0, "end": 9, "tag": "rumour"}, "tag", "tag"),
        ({"start": 0, "end": 9, "tag": ["fact"]}, "invalid", "tag"),
        ({"start": 0, "end": 9, "tag": "fact", "quote": "Officialz"}, "quote", "quote"),
        ({"start": 0, "end": 9, "tag": "fact", "note": "x" * 2001}, "note", "note"),
        ({"end": 9, "tag": "fact"}, "required", "start"),
    ],
)
def test_annotation_create_errors_are_json_and_write_nothing(api, article, payload, code, field):
    response = api.post(f"/api/articles/{article.slug}/annotations/", payload, format="json")
    body = _assert_error(response, 400, code)
    assert field in body["fields"]
    assert Annotation.objects.count() == 0
    assert Annotation.history.count() == 0


def test_malformed_json_is_a_400_with_a_sentence(api, article):
    response = api.post(
        f"/api/articles/{article.slug}/annotations/",
        b'{"start": 0,',
        content_type="application/json",
    )
    body = _assert_error(response, 400, "parse_error")
    assert body["detail"].startswith("The request body could not be read")
    assert Annotation.objects.count() == 0


def test_a_list_instead_of_an_object_is_a_400(api, article):
    response = api.post(f"/api/articles/{article.slug}/annotations/", [1, 2], format="json")
    _assert_error(response, 400, "invalid")


def test_body_over_one_mebibyte_is_413_json_and_writes_nothing(api, article):
    note = "x" * (1024 * 1024 + 10)
    response = api.post(
        f"/api/articles/{article.slug}/annotations/",
        {"start": 0, "end": 9, "tag": "fact", "note": note},
        format="json",
    )
    body = _assert_error(response, 413, "too_large")
    assert "1,048,576 bytes" in body["detail"]
    big_article = api.post("/api/articles/", {"title": "Big", "text": note}, format="json")
    _assert_error(big_article, 413, "too_large")
    assert Annotation.objects.count() == 0 and Article.objects.count() == 1


def test_a_lone_surrogate_is_a_400_not_a_database_error(api, article):
    response = api.post(
        f"/api/articles/{article.slug}/annotations/",
        b'{"start": 0, "end": 9, "tag": "fact", "note": "bad \\ud800"}',
        content_type="application/json",
    )
    body = _assert_error(response, 400, "surrogate_characters_not_allowed")
    assert body["detail"] == "note: Surrogate characters are not allowed: U+D800."
    assert Annotation.objects.count() == 0


def test_unknown_article_is_404_json(api, tags):
    _assert_error(api.get("/api/articles/nope/annotations/"), 404, "not_found")
    _assert_error(
        api.post("/api/articles/nope/annotations/", {"start": 0, "end": 1, "tag": "fact"}),
        404,
        "not_found",
    )


def test_another_users_patch_and_delete_are_403(bob_api, article, alice):
    annotation = factories.annotate(article, alice, "Officials")
    url = f"/api/annotations/{annotation.pk}/"
    etag = f'"{annotation.pk}-1"'
    body = _assert_error(
        bob_api.patch(url, {"tag": "opinion"}, format="json", HTTP_IF_MATCH=etag), 403
    )
    assert body["detail"] == "Only the author can change or delete this annotation."
    _assert_error(bob_api.delete(url, HTTP_IF_MATCH=etag), 403)
    annotation.refresh_from_db()
    assert annotation.tag.key == "fact" and not annotation.is_deleted and annotation.version == 1


def test_patch_validates_the_body(api, article, alice):
    annotation = factories.annotate(article, alice, "Officials")
    url = f"/api/annotations/{annotation.pk}/"
    etag = f'"{annotation.pk}-1"'
    _assert_error(api.patch(url, {}, format="json", HTTP_IF_MATCH=etag), 400, "invalid")
    _assert_error(api.patch(url, {"tag": "nope"}, format="json", HTTP_IF_MATCH=etag), 400, "tag")
    _assert_error(api.patch(url, {"note": ["x"]}, format="json", HTTP_IF_MATCH=etag), 400)
    annotation.refresh_from_db()
    assert annotation.version == 1 and annotation.history.count() == 1


def test_if_match_for_another_annotation_is_stale(api, article, alice):
    annotation = factories.annotate(article, alice, "Officials")
    other = factories.annotate(article, alice, "bridge")
    response = api.delete(f"/api/annotations/{annotation.pk}/", HTTP_IF_MATCH=f'"{other.pk}-1"')
    _assert_error(response, 412, "stale")
    assert response["ETag"] == f'"{annotation.pk}-1"'


def test_restore_undoes_a_soft_delete_and_history_lists_every_revision(
    api, bob_api, article, alice
):
    annotation = factories.annotate(article, alice, "Officials")
    url = f"/api/annotations/{annotation.pk}/"
    api.patch(
        url,
        {"tag": "opinion", "note": "why"},
        format="json",
        HTTP_IF_MATCH=f'"{annotation.pk}-1"',
    )
    api.delete(url, HTTP_IF_MATCH=f'"{annotation.pk}-2"')
    _assert_error(bob_api.post(f"{url}restore/"), 403)
    restored = api.post(f"{url}restore/")
    assert restored.status_code == 200 and restored.json()["version"] == 4
    assert restored["ETag"] == f'"{annotation.pk}-4"'
    _assert_error(api.post(f"{url}restore/"), 400, "not_deleted")

    history = api.get(f"{url}history/").json()
    assert [entry["action"] for entry in history] == ["restored", "deleted", "changed", "created"]
    assert all(entry["user"] == "alice" for entry in history)
    assert history[0]["revision"] > history[1]["revision"]
    changed = {c["field"]: (c["old"], c["new"]) for c in history[2]["changes"]}
    assert changed["tag"] == ("fact", "opinion") and changed["note"] == ("", "why")
    assert history[3]["changes"] == []


def test_an_admin_can_restore_someone_elses_annotation(article, alice):
    admin = factories.make_user("admin", is_staff=True)
    annotation = factories.annotate(article, alice, "Officials")
    services.annotation_delete(annotation=annotation, actor=alice)
    client = APIClient()
    client.force_authenticate(admin)
    assert client.post(f"/api/annotations/{annotation.pk}/restore/").status_code == 200
    assert annotation.history.first().history_user == admin


def test_list_paginates_with_next(api, article, alice):
    factories.annotate_many(article, alice, 3)
    first = api.get(f"/api/articles/{article.slug}/annotations/?page_size=2").json()
    assert len(first["results"]) == 2 and first["next"]
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None


def test_list_filters(api, article, alice, bob, carol):
    fact = factories.annotate(article, alice, "Officials", "fact")
    opinion = factories.annotate(article, bob, "shameful", "opinion")
    speculation = factories.annotate(article, alice, "probably", "speculation")
    deleted = factories.annotate(article, alice, "bridge")
    services.annotation_delete(annotation=deleted, actor=alice)
    Review.objects.create(annotation=fact, reviewer=bob, verdict="agree")
    Review.objects.create(annotation=opinion, reviewer=alice, verdict="agree")
    Review.objects.create(annotation=opinion, reviewer=carol, verdict="disagree")
    url = f"/api/articles/{article.slug}/annotations/"

    def ids(query):
        response = api.get(url + query)
        assert response.status_code == 200, response.content
        return [a["id"] for a in response.json()["results"]]

    assert ids("") == [fact.pk, opinion.pk, speculation.pk]
    assert ids("?tag=opinion") == [opinion.pk]
    assert ids("?author=alice") == [fact.pk, speculation.pk]
    assert ids("?status=accepted") == [fact.pk]
    assert ids("?status=disputed") == [opinion.pk]
    assert ids("?status=pending") == [speculation.pk]
    Annotation.objects.filter(pk=fact.pk).update(modified="2020-01-01T00:00:00Z")
    assert ids("?since=2021-01-01T00:00:00Z") == [opinion.pk, speculation.pk]
    statuses = {a["id"]: a["status"] for a in api.get(url).json()["results"]}
    assert statuses == {fact.pk: "accepted", opinion.pk: "disputed", speculation.pk: "pending"}
    _assert_error(api.get(url + "?tag=rumour"), 400, "tag")
    _assert_error(api.get(url + "?author=nobody"), 400, "author")
    _assert_error(api.get(url + "?status=open"), 400, "status")
    _assert_error(api.get(url + "?since=yesterday"), 400, "since")


def _list_queries(api, article):
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"/api/articles/{article.slug}/annotations/?page_size=200")
    assert response.status_code == 200
    return len(queries), len(response.json()["results"])


def test_list_query_count_is_the_same_for_10_and_100_annotations(api, article, alice, bob):
    for n, annotation in enumerate(factories.annotate_many(article, alice, 10)):
        Review.objects.create(
            annotation=annotation, reviewer=bob, verdict="agree" if n else "disagree"
        )
    ten = _list_queries(api, article)
    factories.annotate_many(article, bob, 90, "opinion")
    hundred = _list_queries(api, article)
    assert ten[1] == 10 and hundred[1] == 100
    assert ten[0] == hundred[0]


def test_odd_ids_and_slugs_are_json_404s(api, tags):
    for path in ["/api/annotations/abc/", "/api/articles/é!/", "/api/articles/é!/annotations/"]:
        _assert_error(api.get(path), 404, "not_found")
    _assert_error(api.get("/api/annotations/99999999999999999999999/"), 404, "not_found")


def test_nul_characters_in_filters_and_slugs_are_4xx(api, article):
    url = f"/api/articles/{article.slug}/annotations/"
    _assert_error(api.get(url, {"tag": "fa\x00ct"}), 400, "tag")
    _assert_error(api.get("/api/export/", {"format": "csv", "author": "\x00"}), 400, "author")
    _assert_error(api.get("/api/export/", {"format": "csv", "article": "a\x00"}), 400, "article")
    _assert_error(api.get("/api/articles/a%00b/annotations/"), 404, "not_found")
    _assert_error(api.get("/api/articles/a%00b/"), 404, "not_found")


def test_token_guessing_is_throttled(db, alice):
    from rest_framework.test import APIClient

    api = APIClient()
    # Other user names each time: one user name would meet the sign-in lockout first.
    codes = [
        api.post("/api/token/", {"username": f"user{n}", "password": "guess"}, format="json")
        for n in range(21)
    ]
    assert [r.status_code for r in codes[:20]] == [400] * 20
    assert codes[20].status_code == 429
    body = codes[20].json()
    assert body["code"] == "throttled" and "seconds" in body["detail"]


@pytest.mark.parametrize(
    ("since", "status"),
    [
        ("0664-06-30T18:44:29.7+20:33", 200),  # an offset PostgreSQL would refuse
        ("0001-01-01T00:00:00+05:00", 400),  # before year 1 in UTC
        ("2026-13-01T00:00:00Z", 400),
    ],
)
def test_since_accepts_any_iso_offset_and_refuses_impossible_dates(article, alice, since, status):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(alice)
    response = api.get(f"/api/articles/{article.slug}/annotations/", {"since": since})
    assert response.status_code == status, response.content
    if status == 400:
        assert response.json()["code"] == "since"


@pytest.mark.parametrize(
    ("query", "code", "sentence"),
    [
        (
            "?tag=rumour",
            "tag",
            "There is no tag called 'rumour'. Use one of: fact, opinion, speculation.",
        ),
        ("?author=ghost", "author", "There is nobody with the user name 'ghost'."),
        (
            "?status=odd",
            "status",
            "status must be one of pending, accepted, disputed, settled, agreed or needs-review, "
            "not 'odd'.",
        ),
        ("?since=yesterday", "since", "since must be an ISO 8601 date and time"),
    ],
)
def test_list_filters_refuse_unknown_values_with_the_same_sentences_as_the_export(
    api, article, query, code, sentence
):
    for url in (f"/api/articles/{article.slug}/annotations/", "/api/export/?format=jsonl&"):
        response = api.get(url + query.lstrip("?") if url.endswith("&") else url + query)
        body = _assert_error(response, 400, code)
        assert sentence in body["detail"]


def test_needs_review_lists_others_annotations_i_have_not_reviewed(api, article, alice, bob):
    mine = factories.annotate(article, alice, "Officials", "fact")
    reviewed = factories.annotate(article, bob, "shameful", "opinion")
    waiting = factories.annotate(article, bob, "probably", "speculation")
    services.review_set(annotation=reviewed, reviewer=alice, verdict="agree")
    response = api.get(f"/api/articles/{article.slug}/annotations/?status=needs-review")
    assert [a["id"] for a in response.json()["results"]] == [waiting.pk]
    assert mine.pk != waiting.pk
