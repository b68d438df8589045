"""Search: annotations by quote, note, comments and verdict reasons; articles by title
and text; the page, the API's ?q= and the export's, on PostgreSQL and SQLite alike."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from annotator import services
from annotator.models import SearchDocument
from annotator.selectors import search
from tests import factories

POSTGRES = connection.vendor == "postgresql"


@pytest.fixture
def found(article, alice, bob):
    """Annotations whose words sit in different places."""
    by_quote = factories.annotate(article, alice, "the bridge opened", "fact")
    by_note = factories.annotate(
        article, alice, "shameful waste", "opinion", note="Loaded language about money."
    )
    by_comment = factories.annotate(article, alice, "probably double", "speculation")
    services.comment_create(annotation=by_comment, author=bob, body="Which forecast says so?")
    services.review_set(
        annotation=by_quote, reviewer=bob, verdict="disagree", comment="The ribbon was cut later."
    )
    return {"quote": by_quote, "note": by_note, "comment": by_comment}


def _ids(client, slug, q, **params):
    response = client.get(f"/api/articles/{slug}/annotations/", {"q": q, **params})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    return client


def test_api_q_finds_quote_note_comment_and_verdict_reason(api, article, found):
    assert _ids(api, article.slug, "bridge") == {found["quote"].pk}
    assert _ids(api, article.slug, "loaded") == {found["note"].pk}
    assert _ids(api, article.slug, "forecast") == {found["comment"].pk}
    assert _ids(api, article.slug, "ribbon") == {found["quote"].pk}
    assert _ids(api, article.slug, "nowhere") == set()


def test_api_q_keeps_the_other_filters(api, article, found):
    assert _ids(api, article.slug, "bridge", tag="opinion") == set()
    assert _ids(api, article.slug, "bridge", tag="fact") == {found["quote"].pk}


def test_api_q_too_long_is_a_400_with_a_sentence(api, article, found):
    response = api.get(f"/api/articles/{article.slug}/annotations/", {"q": "x" * 201})
    assert response.status_code == 400
    assert "limit is 200" in json.dumps(response.json())


def test_deleted_comment_no_longer_finds_its_annotation(api, article, found, bob):
    comment = found["comment"].comments.get()
    services.comment_delete(comment=comment, actor=bob)
    assert _ids(api, article.slug, "forecast") == set()


def test_changed_note_is_found_by_its_new_words(api, article, found, alice):
    services.annotation_update(annotation=found["note"], actor=alice, note="Pejorative wording.")
    assert _ids(api, article.slug, "pejorative") == {found["note"].pk}
    assert _ids(api, article.slug, "loaded") == set()


def test_export_takes_q(alice_client, article, found):
    response = alice_client.get("/api/export/", {"format": "jsonl", "q": "forecast"})
    assert response.status_code == 200
    lines = [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]
    assert [line["id"] for line in lines] == [found["comment"].pk]


def test_english_stems_and_spanish_articles_use_spanish(api, article, found, alice):
    spanish = factories.make_article(
        created_by=alice, title="Las políticas", text="Las políticas públicas fallaron.",
        language="es",
    )  # fmt: skip
    mine = factories.annotate(spanish, alice, "políticas públicas", "opinion")
    if POSTGRES:
        assert _ids(api, article.slug, "opening") == {found["quote"].pk}  # opened ~ opening
        assert SearchDocument.objects.get(annotation=mine).config == "spanish"
        assert _ids(api, spanish.slug, "política") == {mine.pk}  # políticas ~ política
    else:
        # The SQLite fallback finds words as written (and parts of them), no other forms.
        assert not SearchDocument.objects.exists()
        assert _ids(api, article.slug, "opening") == set()
        assert _ids(api, spanish.slug, "política") == {mine.pk}  # a part of "políticas"
        assert _ids(api, spanish.slug, "publica") == set()


def test_search_page_groups_by_article_and_marks_words(alice_client, article, found):
    response = alice_client.get("/search/", {"q": "bridge"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<mark>bridge</mark>" in page
    assert f'href="/articles/{article.slug}/#annotation-{found["quote"].pk}"' in page
    assert 'class="search-article__title"' in page  # the article's title matches too


def test_search_page_escapes_before_marking(alice_client, article, alice, bob):
    annotation = factories.annotate(article, alice, "Traffic will", "speculation")
    services.comment_create(
        annotation=annotation, author=bob, body="<script>alert(1)</script> traffic & <b>x</b>"
    )
    page = alice_client.get("/search/", {"q": "traffic"}).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>traffic</mark> &amp; &lt;b&gt;" in page


def test_search_page_keeps_filters_and_reports_bad_ones(alice_client, article, found):
    response = alice_client.get("/search/", {"q": "bridge", "tag": "opinion"})
    assert "Nothing matches" in response.content.decode()
    assert 'value="opinion" selected' in response.content.decode()
    bad = alice_client.get("/search/", {"q": "bridge", "author": "nobody"})
    assert bad.status_code == 400
    assert "There is nobody with the user name" in bad.content.decode()


def test_search_needs_sign_in(client):
    response = client.get("/search/", {"q": "x"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_search_page_queries_stay_constant(alice_client, article, alice, bob):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert alice_client.get("/search/", {"q": "comment"}).status_code == 200
        return len(queries)

    for phrase in ("the bridge", "Officials"):
        a = factories.annotate(article, alice, phrase, "fact", note="the note")
        services.comment_create(annotation=a, author=bob, body="the comment")
    few = count()
    for a in factories.annotate_many(article, alice, 12):
        services.annotation_update(annotation=a, actor=alice, note="the note")
        services.comment_create(annotation=a, author=bob, body="the comment")
    assert count() == few


def test_highlight_is_safe_and_marks_other_forms():
    html = search.highlight("<i>Arrested</i> & arrests", ["arrests"])
    assert html == "&lt;i&gt;<mark>Arrested</mark>&lt;/i&gt; &amp; <mark>arrests</mark>"
    assert search.query_words('"gen z" or -opinion Mexico') == ["gen", "z", "mexico"]


def test_rebuild_command_restores_documents(api, article, found):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    if POSTGRES:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM annotator_searchdocument")  # as after a bulk load
        assert _ids(api, article.slug, "forecast") == set()
        call_command("rebuild_search_index", "--article", article.slug, stdout=out)
        assert "Computed the search documents" in out.getvalue()
    else:
        call_command("rebuild_search_index", stdout=out)
        assert "Nothing to rebuild" in out.getvalue()
    assert _ids(api, article.slug, "forecast") == {found["comment"].pk}


def test_search_page_without_words_shows_the_form_and_pages_are_bounded(alice_client, found):
    empty = alice_client.get("/search/")
    assert empty.status_code == 200
    page = empty.content.decode()
    assert 'id="search-q"' in page and "Nothing matches" not in page
    far = alice_client.get("/search/", {"q": "bridge", "page": "9" * 30})
    assert far.status_code == 200
    assert "No more results on page 1000" in far.content.decode()


@pytest.mark.parametrize("q", ["!!!", '"', "the"])
def test_queries_without_words_to_find_match_nothing(api, article, found, q):
    expected = set() if q != "the" or POSTGRES else {found["quote"].pk}
    # "the" is an English stop word on PostgreSQL; the SQLite fallback finds it as written.
    assert _ids(api, article.slug, q) == expected


def test_a_word_left_out(api, article, found):
    assert _ids(api, article.slug, "-bridge") == {found["note"].pk, found["comment"].pk}
