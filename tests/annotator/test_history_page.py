"""The article's history page: every revision, newest first, with diffs, filters, paging."""

import re
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from annotator import services
from annotator.selectors import history
from tests import factories

HX = {"HTTP_HX_REQUEST": "true"}


def _url(article, query=""):
    return f"/articles/{article.slug}/history/{query}"


def _story(article, alice, bob):
    a = factories.annotate(article, alice, "shameful waste", "fact", note="a plain claim")
    services.annotation_update(
        annotation=a, actor=alice, version=1, tag="opinion", note="a loaded claim"
    )
    comment = services.comment_create(annotation=a, author=bob, body="Is it loaded?")
    services.review_set(annotation=a, reviewer=bob, verdict="disagree", proposed_tag="fact")
    services.annotation_delete(annotation=a, actor=alice, version=2)
    return a, comment


def test_timeline_shows_every_revision_newest_first_with_diffs(alice_client, article, alice, bob):
    _story(article, alice, bob)
    html = alice_client.get(_url(article)).content.decode()
    actions = re.findall(r'class="revision__action action-(\w+)">', html)
    kinds = re.findall(r'class="revision__kind">(\w+)<', html)
    assert list(zip(actions, kinds, strict=True)) == [
        ("deleted", "annotation"),
        ("created", "review"),
        ("created", "comment"),
        ("changed", "annotation"),
        ("created", "annotation"),
        ("created", "article"),  # the article's own first revision
    ]
    assert "<del>fact</del> → <ins>opinion</ins>" in html
    assert "<del>plain</del><ins>loaded</ins>" in html  # the note's word diff
    assert "<ins>Is it loaded?</ins>" in html
    assert html.count("by <strong>alice</strong>") == 4
    numbers = [int(n) for n in re.findall(r'class="revision__number"[^>]*>#(\d+)<', html)]
    assert numbers == [6, 5, 4, 3, 2, 1]  # one sequence for every kind, oldest first


def test_filters_by_person_kind_action_and_date(alice_client, article, alice, bob):
    _story(article, alice, bob)

    def actions(query):
        html = alice_client.get(_url(article, query), **HX).content.decode()
        assert "<html" not in html
        return re.findall(r'action-(\w+)">(\w+)</span>\s*<span class="revision__kind">(\w+)', html)

    assert actions("?person=bob") == [
        ("created", "created", "review"),
        ("created", "created", "comment"),
    ]
    assert [k for *_, k in actions("?kind=annotation")] == ["annotation"] * 3
    assert actions("?action=deleted") == [("deleted", "deleted", "annotation")]
    assert actions("?action=changed") == [("changed", "changed", "annotation")]
    today = timezone.localdate()
    assert len(actions(f"?since={today}&until={today}")) == 6
    assert actions("?kind=article") == [("created", "created", "article")]
    assert actions(f"?until={today - timedelta(days=1)}") == []


def test_bad_filters_are_ignored_with_a_message(alice_client, article, alice, bob):
    _story(article, alice, bob)
    response = alice_client.get(_url(article, "?since=yesterday&kind=poem"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "were not understood" in html
    assert html.count('class="revision ') == 6


def test_history_is_paged_without_gaps_or_repeats(alice_client, article, alice):
    made = []
    for n, a in enumerate(factories.annotate_many(article, alice, 60)):
        services.annotation_update(annotation=a, actor=alice, version=1, note=f"note {n}")
        made.append(a)
    first = alice_client.get(_url(article)).content.decode()
    ids = re.findall(r'id="rev-(\w+-\d+)"', first)
    assert len(ids) == 50 and "Older revisions" in first
    seen = list(ids)
    query = re.search(r'hx-get="\?([^"]+)"', first).group(1).replace("&amp;", "&")
    while query:
        page = alice_client.get(_url(article, "?" + query), **HX).content.decode()
        seen += re.findall(r'id="rev-(\w+-\d+)"', page)
        more = re.search(r'hx-get="\?([^"]+)"', page)
        query = more.group(1).replace("&amp;", "&") if more else ""
    assert len(seen) == 121 == len(set(seen))  # and the article's own first revision


def test_history_queries_do_not_grow_with_history(alice_client, article, alice, bob):
    _story(article, alice, bob)
    with CaptureQueriesContext(connection) as few:
        alice_client.get(_url(article))
    for _ in range(40):
        _story(article, alice, bob)
    with CaptureQueriesContext(connection) as many:
        html = alice_client.get(_url(article)).content.decode()
    assert html.count('class="revision ') == 50
    assert len(few.captured_queries) == len(many.captured_queries) <= 15


def test_timeline_of_one_annotation(article, alice, bob):
    a, _ = _story(article, alice, bob)
    other = factories.annotate(article, bob, "opened in 2019", "fact")
    revisions, cursor = history.timeline(annotation=a)
    assert cursor is None
    assert [(r.kind, r.action) for r in revisions] == [
        ("annotation", "deleted"),
        ("review", "created"),
        ("comment", "created"),
        ("annotation", "changed"),
        ("annotation", "created"),
    ]
    assert all(r.annotation_id == a.pk != other.pk for r in revisions)


def test_the_thread_panel_shows_the_annotations_timeline(alice_client, article, alice, bob):
    a = factories.annotate(article, alice, "shameful waste", "fact")
    services.annotation_update(annotation=a, actor=alice, version=1, tag="speculation")
    html = alice_client.get(f"/annotations/{a.pk}/thread/", **HX).content.decode()
    history_part = html.split('id="history-title"')[1]
    assert "<del>fact</del> → <ins>speculation</ins>" in history_part
    assert history_part.count('class="revision ') == 2


def test_rows_of_one_instant_page_and_number_without_gaps_or_repeats(alice_client, article, alice):
    # A revision writes its article row and every carried annotation's row at one
    # instant; the keyset cursor and the numbers must agree with the timeline's order.
    # 60 distinct annotations of words the revision removes: every one is orphaned.
    start = article.text.index("Traffic will probably double")
    # Lengths that end on a letter: a span's white space at its ends is trimmed.
    lengths = [n for n in range(28, 0, -1) if not article.text[start + n - 1].isspace()]
    for n in range(60):
        services.annotation_create(
            article=article, author=alice, start=start, end=start + lengths[n // 3],
            tag=["fact", "opinion", "speculation"][n % 3],
        )  # fmt: skip
    services.article_revise(article=article, actor=alice, text="All new text.", reason="r")
    seen, numbers, query = [], [], ""
    while True:
        page = alice_client.get(_url(article, "?" + query if query else ""), **HX).content
        page = page.decode()
        seen += re.findall(r'id="rev-(\w+-\d+)"', page)
        numbers += [int(n) for n in re.findall(r'class="revision__number"[^>]*>#(\d+)<', page)]
        more = re.search(r'hx-get="\?([^"]+)"', page)
        if not more:
            break
        query = more.group(1).replace("&amp;", "&")
    # 60 creations, 60 orphanings, the article's creation and its revision.
    assert len(seen) == 122 == len(set(seen))
    assert numbers == list(range(122, 0, -1))
    revised = seen.index(next(s for s in seen if s.startswith("article-") and s != seen[-1]))
    assert all(s.startswith("annotation-") for s in seen[:revised])  # its rows above it
