"""The reader's annotation views, with and without htmx."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotator import services
from annotator.models import Annotation, Event
from annotator.selectors import reader as reader_selectors
from tests import factories

HX = {"HTTP_HX_REQUEST": "true"}
JSON = {"HTTP_ACCEPT": "application/json"}


def _create(client, article, phrase, tag="fact", **extra):
    start = article.text.index(phrase)
    data = {"start": start, "end": start + len(phrase), "quote": phrase, "tag": tag}
    return client.post(
        f"/articles/{article.slug}/annotations/", data | extra.pop("data", {}), **extra
    )


def test_a_create_from_the_page_answers_with_the_change_not_the_page(alice_client, article):
    response = _create(alice_client, article, "shameful waste", "opinion", **JSON)
    assert response.status_code == 201
    a = Annotation.objects.get()
    event = response.json()["event"]
    assert event["kind"] == "annotation.created" and event["actor"] == "alice"
    assert event["id"] == Event.objects.get(kind="annotation.created").pk
    assert event["data"] | {"created": None, "modified": None} == {
        "id": a.pk, "start": a.start, "end": a.end, "tag": "opinion", "author": "alice",
        "note": "", "quote": "shameful waste", "version": 1, "status": "pending",
        "comments": 0, "created": None, "modified": None, "deleted": False, "anchor": "exact",
    }  # fmt: skip
    assert len(response.content) < 1000  # a delta, not the reader


def test_plain_create_redirects_back_to_the_article(alice_client, article):
    response = _create(alice_client, article, "shameful waste", "opinion")
    assert response.status_code == 302
    assert response["Location"] == article.get_absolute_url()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"tag": "rumour"}, "no tag called"),
        ({"quote": "something else"}, "does not match"),
        ({"end": 99999}, "past the end"),
        ({"start": "x"}, "Enter a whole number"),
        ({"note": "n" * 2001}, "The note has 2,001 characters; the limit is 2,000."),
    ],
)
def test_create_errors_come_back_as_a_sentence_for_the_picker(alice_client, article, data, message):
    response = _create(alice_client, article, "shameful waste", data=data, **JSON)
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not Annotation.objects.exists()


def test_plain_create_error_becomes_a_message(alice_client, article):
    response = _create(alice_client, article, "shameful waste", data={"tag": "rumour"}, follow=True)
    assert "no tag called" in response.content.decode()
    assert not Annotation.objects.exists()


def test_author_sees_edit_controls_and_others_do_not(client, article, alice, bob):
    factories.annotate(article, alice, "shameful waste", "opinion")
    edit_link = f'href="/annotations/{article.annotations.get().pk}/edit/"'
    client.force_login(alice)
    assert edit_link in client.get(article.get_absolute_url()).content.decode()
    client.force_login(bob)
    html = client.get(article.get_absolute_url()).content.decode()
    assert edit_link not in html
    assert "shameful waste</mark>" in html


def test_edit_form_comes_as_a_fragment_or_a_page(client, article, alice, bob):
    a = factories.annotate(article, alice, "shameful waste", "opinion", note="loaded")
    client.force_login(alice)
    fragment = client.get(f"/annotations/{a.pk}/edit/", **HX).content.decode()
    assert fragment.lstrip().startswith('<div class="ann-edit">')
    assert "<html" not in fragment
    assert '<option value="opinion" selected>' in fragment and ">loaded</textarea>" in fragment
    page = client.get(f"/annotations/{a.pk}/edit/").content.decode()
    assert "<html" in page and "Edit annotation" in page and "shameful waste" in page
    client.force_login(bob)
    assert client.get(f"/annotations/{a.pk}/edit/", **HX).status_code == 403


def test_others_get_403_when_forcing_an_edit_or_delete(client, article, alice, bob):
    a = factories.annotate(article, alice, "shameful waste", "opinion")
    client.force_login(bob)
    edit = client.post(f"/annotations/{a.pk}/edit/", {"tag": "fact", "version": 1}, **JSON)
    delete = client.post(f"/annotations/{a.pk}/delete/", {"version": 1}, **JSON)
    assert edit.status_code == delete.status_code == 403
    assert "Only the author" in edit.json()["detail"]
    a.refresh_from_db()
    assert (a.tag.key, a.deleted_at, a.version) == ("opinion", None, 1)


def test_author_changes_tag_and_note(alice_client, article, alice):
    a = factories.annotate(article, alice, "shameful waste", "opinion")
    response = alice_client.post(
        f"/annotations/{a.pk}/edit/", {"tag": "fact", "note": "checkable", "version": 1}, **JSON
    )
    assert response.status_code == 200
    a.refresh_from_db()
    assert (a.tag.key, a.note, a.version) == ("fact", "checkable", 2)
    event = response.json()["event"]
    assert event["kind"] == "annotation.changed" and event["data"]["was_tag"] == "opinion"
    assert (event["data"]["tag"], event["data"]["note"], event["data"]["version"]) == (
        "fact",
        "checkable",
        2,
    )


def test_an_edit_from_an_older_version_is_refused(alice_client, article, alice):
    a = factories.annotate(article, alice, "shameful waste", "opinion")
    alice_client.post(f"/annotations/{a.pk}/edit/", {"tag": "fact", "version": 1}, **JSON)
    stale = alice_client.post(
        f"/annotations/{a.pk}/edit/", {"tag": "speculation", "version": 1}, **JSON
    )
    assert stale.status_code == 409
    body = stale.json()
    assert body["code"] == "stale" and "changed by alice meanwhile" in body["detail"]
    # Both changed the tag: the merge form offers mine and theirs.
    assert 'type="radio" name="tag" value="speculation" checked' in body["html"]
    assert 'type="radio" name="tag" value="fact"' in body["html"]
    a.refresh_from_db()
    assert (a.tag.key, a.version) == ("fact", 2)


def test_a_stale_edit_is_merged_against_the_version_it_started_from(alice_client, article, alice):
    from annotator import services

    a = factories.annotate(article, alice, "shameful waste", "opinion", note="first")
    services.annotation_update(annotation=a, actor=alice, version=1, tag="speculation")
    # My edit started from version 1 and changed only the note.
    stale = alice_client.post(
        f"/annotations/{a.pk}/edit/", {"tag": "opinion", "note": "mine", "version": 1}, **JSON
    )
    html = stale.json()["html"]
    assert stale.status_code == 409
    assert '<option value="speculation" selected>' in html  # their tag stays
    assert ">mine</textarea>" in html  # my note goes on top
    assert 'name="version" value="2"' in html and 'type="radio"' not in html


def test_author_deletes_and_the_highlight_goes(alice_client, article, alice):
    a = factories.annotate(article, alice, "shameful waste", "opinion")
    response = alice_client.post(f"/annotations/{a.pk}/delete/", {"version": 1}, **JSON)
    assert response.status_code == 200
    body = response.json()
    assert body["event"]["kind"] == "annotation.deleted" and body["event"]["data"]["id"] == a.pk
    assert body["undo"] == {"url": f"/annotations/{a.pk}/restore/", "version": 2,
                            "quote": "shameful waste"}  # fmt: skip
    assert "<mark" not in alice_client.get(article.get_absolute_url()).content.decode()
    a.refresh_from_db()
    assert a.deleted_at is not None
    assert alice_client.post(f"/annotations/{a.pk}/delete/", {"version": 2}).status_code == 404


def test_overlapping_annotations_are_all_rendered(alice_client, article, alice, bob):
    one = factories.annotate(article, alice, "shameful waste of money", "opinion")
    two = factories.annotate(article, bob, "waste", "fact")
    three = factories.annotate(article, bob, "shameful waste of money", "speculation")
    html = alice_client.get(article.get_absolute_url()).content.decode()
    # Each annotation has one element that names it; the identical two nest there.
    for a in (one, two, three):
        assert html.count(f'data-annotation-id="{a.pk}"') == 1
    assert (
        f'<mark class="hl tag-opinion" data-annotation-id="{one.pk}">'
        f'<mark class="hl tag-speculation hl-overlap" data-annotation-id="{three.pk}">'
        "shameful </mark></mark>"
        f'<mark class="hl tag-fact hl-overlap" data-annotation-id="{two.pk}">waste</mark>'
        f'<mark class="hl tag-speculation"> of money</mark>'
    ) in html
    assert "data-ids" not in html


def test_filters_by_tag_and_author(alice_client, article, alice, bob):
    factories.annotate(article, alice, "shameful waste", "opinion")
    factories.annotate(article, bob, "opened in 2019", "fact")
    html = alice_client.get(article.get_absolute_url() + "?tag=fact", **HX).content.decode()
    assert html.lstrip().startswith('<div id="reader"')
    assert "opened in 2019</mark>" in html and "shameful waste</mark>" not in html
    assert '"filters":{"tag":"fact"}' in html
    html = alice_client.get(article.get_absolute_url() + "?author=alice").content.decode()
    assert "shameful waste</mark>" in html and "opened in 2019</mark>" not in html


def test_the_sidebar_lists_a_page_and_loads_more(alice_client, article, alice):
    page = reader_selectors.LIST_PAGE
    made = factories.annotate_many(article, alice, page + 30)
    html = alice_client.get(article.get_absolute_url()).content.decode()
    assert html.count('<li class="ann-item" id=') == page
    assert "Show more (<span data-remaining>30</span> left)" in html
    # Every annotation is in the text, listed or not.
    assert all(f'data-annotation-id="{a.pk}"' in html for a in made)
    after = re.search(r'data-more="[^"?]+\?(after=[\d-]+)"', html).group(1)
    more = alice_client.get(article.get_absolute_url() + "?" + after, **HX).content.decode()
    assert more.count('<li class="ann-item" id=') == 30 and "<html" not in more
    assert "Show more" not in more
    in_text_order = sorted(made, key=lambda a: (a.start, a.end, a.id))
    through = alice_client.get(
        article.get_absolute_url() + f"?offset=0&through={in_text_order[page + 20].pk}", **HX
    ).content.decode()
    assert through.count('<li class="ann-item" id=') == page + 21
    plain = alice_client.get(article.get_absolute_url() + f"?offset={page}").content.decode()
    assert plain.count('<li class="ann-item" id=') == page + 30 and "<html" in plain


def _reader_queries(client, article):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(article.get_absolute_url()).status_code == 200
    return len(ctx.captured_queries)


def test_reader_queries_do_not_grow_with_annotations(alice_client, article, alice, bob):
    factories.annotate_many(article, alice, 10)
    few = _reader_queries(alice_client, article)
    factories.annotate_many(article, alice, 500)
    factories.annotate_many(article, bob, 500, "opinion")
    assert Annotation.objects.count() == 1010
    many = _reader_queries(alice_client, article)
    assert few == many
    assert many <= 13


def test_article_list_queries_are_constant(alice_client, alice, bob, tags):
    """Counts, contributors and review progress (per status, per person, what is left
    for me) at two sizes: the same number of queries."""
    for n in range(2):
        factories.make_article(created_by=alice, title=f"Story {n}")
    first = factories.annotate(factories.make_article(created_by=alice), bob, "bridge")
    services.review_set(annotation=first, reviewer=alice, verdict="agree")
    with CaptureQueriesContext(connection) as ctx:
        alice_client.get("/")
    few = len(ctx.captured_queries)
    for n in range(3, 12):
        art = factories.make_article(created_by=alice, title=f"Story {n}")
        mine = factories.annotate(art, alice, "shameful", "opinion")
        theirs = factories.annotate(art, bob, "bridge", "fact")
        services.review_set(annotation=mine, reviewer=bob, verdict="disagree")
        services.review_set(annotation=theirs, reviewer=alice, verdict="agree")
    with CaptureQueriesContext(connection) as ctx:
        html = alice_client.get("/").content.decode()
    assert len(ctx.captured_queries) == few
    assert html.count('class="article-card card"') == 12
    assert html.count('aria-label="Review progress"') == 10
    assert "2 of 2</strong> reviewed" in html and "1 left for you to review" not in html


def test_an_unknown_filter_value_is_said_on_the_page_and_left_out(alice_client, article, alice):
    fact = factories.annotate(article, alice, "Officials", "fact")
    opinion = factories.annotate(article, alice, "shameful", "opinion")
    for headers in ({}, HX):
        response = alice_client.get(
            article.get_absolute_url() + "?tag=rumour&author=alice", **headers
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert (
            "There is no tag called &#x27;rumour&#x27;. Use one of: fact, opinion, speculation."
            in html
        )
        shown = [item.annotation.pk for item in response.context["items"]]
        assert shown == [fact.pk, opinion.pk]  # the author filter still applies


def test_article_list_shows_review_progress_per_article_and_person(client, article, alice, bob):
    carol = factories.make_curator(factories.make_user("carol"))
    pending = factories.annotate(article, alice, "Officials", "fact")
    accepted = factories.annotate(article, alice, "bridge", "fact")
    disputed = factories.annotate(article, bob, "shameful waste", "fact")
    settled = factories.annotate(article, bob, "probably double", "speculation")
    services.review_set(annotation=accepted, reviewer=bob, verdict="agree")
    services.review_set(annotation=disputed, reviewer=alice, verdict="disagree")
    services.review_set(annotation=settled, reviewer=alice, verdict="disagree")
    services.annotation_settle(annotation=settled, actor=carol, tag="fact", reason="Checked.")
    services.review_set(annotation=pending, reviewer=bob, verdict="agree")
    services.annotation_update(annotation=pending, actor=alice, tag="opinion")  # outdated
    client.force_login(carol)
    response = client.get("/")
    (row,) = response.context["rows"]
    progress = row.progress
    assert progress.statuses == {"pending": 1, "accepted": 1, "disputed": 1, "settled": 1}
    assert (progress.total, progress.reviewed, progress.left_for_me) == (4, 3, 3)
    people = {p.username: (p.statuses, p.verdicts) for p in progress.people}
    assert people == {
        "alice": ({"pending": 1, "accepted": 1, "disputed": 0, "settled": 0}, 2),
        "bob": ({"pending": 0, "accepted": 0, "disputed": 1, "settled": 1}, 1),
    }
    html = response.content.decode()
    assert "3 of 4</strong> reviewed" in html and "3 left for you to review" in html
    assert [s["status"] for s in progress.bar()] == ["settled", "accepted", "disputed", "pending"]
