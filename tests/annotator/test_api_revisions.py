"""The article revision API: PATCH /api/articles/<slug>/ with If-Match carries every
annotation across; revisions are listed and readable; annotations say their anchor."""

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from annotator import services
from annotator.models import Annotation
from articles.models import Article
from tests import factories

NEW_TEXT = (
    "Update: the ministry corrected its figures.\n\n"
    "Officials said the bridge opened in 2019.\n\n"
    "It is a shameful and costly waste of money."
)


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def annotated(article, alice, bob, carol):
    return {
        "bridge": factories.annotate(article, alice, "the bridge opened in 2019", "fact"),
        "waste": factories.annotate(article, bob, "a shameful waste of money", "opinion"),
        "traffic": factories.annotate(article, carol, "Traffic will probably double"),
    }


def test_revise_over_http_with_the_etag_from_get(http, article, annotated):
    got = http.get(f"/articles/{article.slug}/")
    assert got.status_code == 200 and got.headers["ETag"] == f'"a{article.pk}-1"'
    assert got.json()["version"] == 1
    revised = http.patch(
        f"/articles/{article.slug}/",
        json={"text": NEW_TEXT, "reason": "Figures corrected by the ministry."},
        headers={"If-Match": got.headers["ETag"]},
    )
    assert revised.status_code == 200, revised.text
    body = revised.json()
    assert revised.headers["ETag"] == f'"a{article.pk}-2"'
    assert (body["version"], body["text"]) == (2, NEW_TEXT)
    assert body["carried"] == {
        "exact": 1,
        "moved": 1,
        "orphaned": 1,
        "to_check": sorted([annotated["waste"].pk, annotated["traffic"].pk]),
    }
    listed = http.get(f"/articles/{article.slug}/annotations/").json()["results"]
    by_id = {a["id"]: a for a in listed}
    waste, traffic = by_id[annotated["waste"].pk], by_id[annotated["traffic"].pk]
    assert (waste["anchor"], waste["quote"], waste["revision"]) == (
        "moved", "a shameful and costly waste of money", 2
    )  # fmt: skip
    assert NEW_TEXT[waste["start"] : waste["end"]] == waste["quote"]
    assert (traffic["anchor"], traffic["revision"]) == ("orphaned", 1)
    assert (by_id[annotated["bridge"].pk]["anchor"], by_id[annotated["bridge"].pk]["revision"]) == (
        "exact", 2
    )  # fmt: skip


def test_a_revision_without_if_match_is_428_and_a_stale_one_412(http, article, annotated):
    url = f"/articles/{article.slug}/"
    missing = http.patch(url, json={"text": NEW_TEXT})
    assert missing.status_code == 428
    assert missing.json()["code"] == "precondition_required"
    assert "article's ETag" in missing.json()["detail"]
    fresh = http.patch(url, json={"title": "Renamed"}, headers={"If-Match": f'"a{article.pk}-1"'})
    assert fresh.status_code == 200
    stale = http.patch(url, json={"text": NEW_TEXT}, headers={"If-Match": f'"a{article.pk}-1"'})
    assert stale.status_code == 412 and stale.json()["code"] == "stale"
    assert "changed by alice meanwhile (now revision 2)" in stale.json()["detail"]
    assert stale.headers["ETag"] == f'"a{article.pk}-2"'
    other = http.patch(url, json={"text": NEW_TEXT}, headers={"If-Match": f'"{article.pk}-2"'})
    assert other.status_code == 412  # an annotation's ETag shape names no article version
    article.refresh_from_db()
    assert (article.version, article.text) == (2, factories.SAMPLE_TEXT)


@pytest.mark.parametrize(
    "body, code, sentence",
    [
        ({"text": ""}, "text", "An article needs some text."),
        ({"text": "   \n"}, "text", "An article needs some text."),
        ({"text": "x" * 500_001}, "text", "longer than 500,000 characters"),
        ({"title": ""}, "title", "An article needs a title."),
        ({"reason": "only a reason"}, "invalid", "Send a new title, a new text or both."),
        ({}, "invalid", "Send a new title, a new text or both."),
        ({"text": factories.SAMPLE_TEXT}, "unchanged", "nothing to save"),
        ({"text": None}, "null", "may not be null"),
        ({"text": ["a list"]}, "invalid", "Not a valid string."),
        ({"text": "Hello \x00 world"}, "null_characters_not_allowed", "Null characters"),
    ],
)
def test_bad_revisions_are_400_with_a_sentence_and_write_nothing(
    article, annotated, body, code, sentence
):
    api = _api(article.created_by)
    response = api.patch(
        f"/api/articles/{article.slug}/", body, format="json", HTTP_IF_MATCH=article.etag
    )
    assert response.status_code in (400, 413), response.content
    if response.status_code == 400:
        assert response.json()["code"] == code and sentence in response.json()["detail"]
    article.refresh_from_db()
    assert (article.version, article.text, article.history.count()) == (
        1, factories.SAMPLE_TEXT, 1
    )  # fmt: skip
    assert not Annotation.history.filter(history_type="~").exists()


def test_someone_not_allowed_gets_403_and_nothing_changes(article, annotated, bob):
    response = _api(bob).patch(
        f"/api/articles/{article.slug}/",
        {"text": NEW_TEXT},
        format="json",
        HTTP_IF_MATCH=article.etag,
    )
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert "a curator or an admin" in response.json()["detail"]
    article.refresh_from_db()
    assert article.version == 1


def test_a_curator_may_revise_someone_elses_article(article, annotated):
    cora = factories.make_user("cora")
    cora.groups.add(Group.objects.get_or_create(name="curators")[0])
    response = _api(cora).patch(
        f"/api/articles/{article.slug}/",
        {"title": "Checked title"},
        format="json",
        HTTP_IF_MATCH=article.etag,
    )
    assert response.status_code == 200
    assert Article.objects.get(pk=article.pk).title == "Checked title"


def test_revisions_are_listed_and_readable_as_they_were(http, article, alice, annotated):
    services.article_revise(article=article, actor=alice, text=NEW_TEXT, reason="Corrected.")
    listed = http.get(f"/articles/{article.slug}/revisions/").json()
    assert [(r["revision"], r["action"], r["user"]) for r in listed] == [
        (2, "revised", "alice"),
        (1, "created", "alice"),
    ]
    assert listed[0]["reason"] == "Corrected."
    assert listed[0]["summary"] == "revised: 1 exact, 1 moved, 1 orphaned"
    old = http.get(f"/articles/{article.slug}/?revision=1")
    assert old.status_code == 200 and "ETag" not in old.headers
    assert (old.json()["version"], old.json()["text"]) == (1, factories.SAMPLE_TEXT)
    assert http.get(f"/articles/{article.slug}/?revision=9").status_code == 404
    assert http.get(f"/articles/{article.slug}/?revision=x").status_code == 404


def test_a_create_naming_an_old_revision_is_carried_over_http(http, article, alice, annotated):
    old_text = article.text
    services.article_revise(article=article, actor=alice, text=NEW_TEXT)
    phrase = "a shameful waste of money"
    start = old_text.index(phrase)
    url = f"/articles/{article.slug}/annotations/"
    refused = http.post(
        url, json={"start": start, "end": start + len(phrase), "tag": "opinion", "quote": phrase}
    )
    assert refused.status_code == 400 and refused.json()["code"] == "quote"
    # (As fact: bob's opinion on the same words was carried there already.)
    made = http.post(
        url,
        json={
            "start": start, "end": start + len(phrase), "tag": "fact", "quote": phrase,
            "revision": 1,
        },
    )  # fmt: skip
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["anchor"], body["revision"]) == ("moved", 2)
    assert body["quote"] == "a shameful and costly waste of money"
    assert NEW_TEXT[body["start"] : body["end"]] == body["quote"]
    missing = http.post(url, json={"start": 0, "end": 3, "tag": "fact", "revision": 5})
    assert missing.status_code == 400 and "has no revision 5" in missing.json()["detail"]


def test_an_orphan_is_selected_again_through_patch(http, article, alice, carol, annotated):
    services.article_revise(article=article, actor=alice, text=NEW_TEXT)
    orphan = Annotation.objects.get(pk=annotated["traffic"].pk)
    start = NEW_TEXT.index("costly waste")
    response = _api(carol).patch(
        f"/api/annotations/{orphan.pk}/",
        {"start": start, "end": start + 12, "quote": "costly waste"},
        format="json",
        HTTP_IF_MATCH=orphan.etag,
    )
    assert response.status_code == 200, response.content
    assert (response.json()["anchor"], response.json()["quote"]) == ("exact", "costly waste")
    bad = _api(carol).patch(
        f"/api/annotations/{orphan.pk}/",
        {"start": 0, "end": 999, "quote": "Update"},
        format="json",
        HTTP_IF_MATCH=f'"{orphan.pk}-{orphan.version + 1}"',
    )
    assert bad.status_code == 400 and "past the end of the article" in bad.json()["detail"]
    no_quote = _api(carol).patch(
        f"/api/annotations/{orphan.pk}/",
        {"start": 0, "end": 6},
        format="json",
        HTTP_IF_MATCH=f'"{orphan.pk}-{orphan.version + 1}"',
    )
    assert no_quote.status_code == 400 and no_quote.json()["code"] == "quote"


def test_a_curator_deletes_an_orphan_over_the_api_but_not_an_exact_one(article, alice, annotated):
    services.article_revise(article=article, actor=alice, text=NEW_TEXT)
    cora = factories.make_user("cora")
    cora.groups.add(Group.objects.get_or_create(name="curators")[0])
    orphan = Annotation.objects.get(pk=annotated["traffic"].pk)
    exact = Annotation.objects.get(pk=annotated["bridge"].pk)
    gone = _api(cora).delete(f"/api/annotations/{orphan.pk}/", HTTP_IF_MATCH=orphan.etag)
    assert gone.status_code == 204
    kept = _api(cora).delete(f"/api/annotations/{exact.pk}/", HTTP_IF_MATCH=exact.etag)
    assert kept.status_code == 403
    assert not Annotation.objects.get(pk=exact.pk).is_deleted


def test_the_schema_describes_the_revision_endpoints(api_schema):
    paths = api_schema["paths"]
    patch = paths["/api/articles/{slug}/"]["patch"]
    assert {"412", "428", "403", "400"} <= set(patch["responses"])
    assert "/api/articles/{slug}/revisions/" in paths
    fields = api_schema["components"]["schemas"]["Annotation"]["properties"]
    assert {"anchor", "revision"} <= set(fields)


@pytest.fixture
def api_schema(alice_client):
    return alice_client.get("/api/schema/").json()
