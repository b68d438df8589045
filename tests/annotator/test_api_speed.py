"""The API's fast paths say the same as the slow ones, and cost the same at any size:
the list's keyset pages, the create, the export's chunks and the bulk import."""

import json
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from annotator import formats, services
from annotator.api.annotations import FIELDS, ROW, annotation_data
from annotator.api.serializers import AnnotationSerializer
from annotator.formats import records
from annotator.models import Annotation
from annotator.services import revisions, tokens
from articles.models import Article
from tests import factories


@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    return client


LONG_TEXT = " ".join(f"word{n:05d}" for n in range(6000))  # 59,999 characters


def _list(api, article, query=""):
    response = api.get(f"/api/articles/{article.slug}/annotations/{query}")
    assert response.status_code == 200, response.content
    return response.json()


def test_listed_annotations_read_exactly_as_the_serializer_writes_them(
    api, article, alice, bob, carol
):
    factories.make_curator(carol)
    # A note with what JSON must escape: quotes, a backslash, a line break, a tab, markup.
    plain = factories.annotate(
        article, alice, "Officials", note='A "record" \\ of it\nnext line\t<b>señal</b> \u2028'
    )
    accepted = factories.annotate(article, alice, "shameful", "opinion")
    services.review_set(annotation=accepted, reviewer=bob, verdict="agree")
    disputed = factories.annotate(article, alice, "probably", "speculation")
    services.review_set(annotation=disputed, reviewer=bob, verdict="disagree")
    settled = factories.annotate(article, alice, "bridge")
    services.review_set(annotation=settled, reviewer=bob, verdict="disagree")
    services.annotation_settle(annotation=settled, actor=carol, tag="opinion", reason="Checked.")
    outdated = factories.annotate(article, alice, "2019")
    services.annotation_settle(annotation=outdated, actor=carol, tag="fact", reason="Sure.")
    services.annotation_update(annotation=outdated, actor=alice, tag="opinion")
    revisions.article_revise(
        article=article, actor=alice, text=article.text.replace("Traffic will", "Cars will")
    )
    article.refresh_from_db()
    # A date-time on a whole second is written without microseconds.
    Annotation.objects.filter(pk=plain.pk).update(
        modified=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    )
    queryset = Annotation.objects.filter(article=article).live().with_status()
    expected = {
        a.pk: dict(AnnotationSerializer(a).data)
        for a in queryset.select_related("article", "author", "tag", "settled_tag", "settled_by")
    }
    fast = {
        row[1]: annotation_data(row, article.slug, article.version)
        for row in queryset.values_list(*ROW)
    }
    assert len(fast) == 5 and {plain.pk, settled.pk} <= set(fast)
    assert fast == expected
    assert {a["status"] for a in fast.values()} == {"pending", "accepted", "disputed", "settled"}
    listed = {a["id"]: a for a in _list(api, article)["results"]}
    assert listed == expected  # on PostgreSQL, the JSON its query wrote
    assert listed[plain.pk]["modified"] == "2026-01-02T03:04:05Z"
    # A filtered list reads its page through the ORM instead: the same annotations.
    filtered = {a["id"]: a for a in _list(api, article, "?author=alice")["results"]}
    assert filtered == expected


def test_the_list_says_what_the_serializer_says_after_every_kind_of_write(
    api, article, alice, bob
):
    """On PostgreSQL the list reads each annotation's span and dates as a trigger wrote
    them (migration 0024). After a span selected again, a revision that moves and
    orphans annotations, a return to an earlier revision, a delete undone, an import
    (COPY) and a bulk update, it still says exactly what the serializer says."""
    respanned = factories.annotate(article, alice, "bridge", note="first")
    services.annotation_update(annotation=respanned, actor=alice, note="second")
    services.annotation_update(
        annotation=respanned, actor=alice, start=19, end=32, quote="bridge opened"
    )
    kept = factories.annotate(article, bob, "shameful", "opinion")
    gone = factories.annotate(article, alice, "Traffic")
    services.annotation_delete(annotation=gone, actor=alice)
    services.annotation_restore(annotation=gone, actor=alice)
    first = respanned.history.order_by("history_id").first().history_id
    services.annotation_restore(annotation=respanned, actor=alice, revision=first)
    revisions.article_revise(
        article=article,
        actor=alice,
        text=article.text.replace("shameful", "sorry")
        .replace("Officials", "Some officials")
        .replace("opened", "reopened"),
    )
    article.refresh_from_db()
    doccano = {"text": article.text, "label": [[0, 4, "fact"], [5, 14, "speculation"]]}
    response = api.post(
        "/api/import/?format=doccano", json.dumps(doccano) + "\n", content_type="application/jsonl"
    )
    assert response.status_code == 201, response.content
    Annotation.objects.filter(pk=kept.pk).update(
        created=datetime(2025, 6, 7, 8, 9, 10, 123000, tzinfo=UTC)
    )
    queryset = (
        Annotation.objects.filter(article=article)
        .live()
        .with_status()
        .select_related("article", "author", "tag", "settled_tag", "settled_by")
    )
    expected = {a.pk: dict(AnnotationSerializer(a).data) for a in queryset}
    assert len(expected) == 5
    assert {a["anchor"] for a in expected.values()} == {"exact", "moved", "orphaned"}
    assert expected[respanned.pk]["quote"] == "bridge reopened"  # moved with the text
    assert expected[respanned.pk]["note"] == "first"
    assert expected[kept.pk]["created"] == "2025-06-07T08:09:10.123000Z"
    assert {a["id"]: a for a in _list(api, article)["results"]} == expected


def test_the_listed_fields_are_the_serializers_and_a_client_may_ask_for_fewer(
    api, article, alice, bob, carol
):
    """?fields= keeps only the named fields, in the serializer's order, on every page;
    whichever fields are asked for (the stored runs of the span and dates whole, in
    part, or not at all), each says what the whole listing says."""
    factories.make_curator(carol)
    made = factories.annotate_many(article, alice, 5)
    services.review_set(annotation=made[0], reviewer=bob, verdict="disagree")
    services.annotation_settle(annotation=made[0], actor=carol, tag="opinion", reason="Read.")
    assert tuple(FIELDS) == tuple(AnnotationSerializer.Meta.fields)
    whole = _list(api, article)["results"]  # in (start, id) order, as every page is
    for fields in (
        ["id", "start", "end", "tag"],
        ["quote", "end", "start", "prefix", "suffix", "modified"],
        ["settlement", "final_tag", "status", "article", "revision", "created"],
        [" note ", "author", "", "anchor", "version", "claim_version"],
    ):
        wanted = [name for name in FIELDS if name in {f.strip() for f in fields}]
        page = _list(api, article, f"?fields={','.join(fields)}&page_size=2")
        seen = page["results"]
        while page["next"]:
            page = api.get(page["next"]).json()
            seen += page["results"]
        assert [list(each) for each in seen] == [wanted] * 5
        assert seen == [{name: each[name] for name in wanted} for each in whole]


def test_an_unknown_field_is_a_400_that_names_it(api, article):
    response = api.get(f"/api/articles/{article.slug}/annotations/?fields=id,colour,start")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "fields"
    assert "There is no field colour; the fields are id, article, start" in body["detail"]


def test_pages_follow_start_then_id_without_a_count(api, article, alice, bob):
    made = factories.annotate_many(article, alice, 7)
    first = _list(api, article, "?page_size=3")
    assert set(first) == {"next", "as_of", "results"}
    seen, page = [a["id"] for a in first["results"]], first
    while page["next"]:
        page = api.get(page["next"]).json()
        seen += [a["id"] for a in page["results"]]
    order = sorted(made, key=lambda a: (a.start, a.pk))
    assert seen == [a.pk for a in order]


@pytest.mark.parametrize(
    "query, field",
    [
        ("?page_size=0", "page_size"),
        ("?page_size=1001", "page_size"),
        ("?page_size=ten", "page_size"),
        ("?cursor=not-a-cursor", "cursor"),
        ("?cursor=" + "A" * 12, "cursor"),
    ],
)
def test_a_bad_page_size_or_cursor_is_a_400_that_says_so(api, article, query, field):
    response = api.get(f"/api/articles/{article.slug}/annotations/{query}")
    assert response.status_code == 400
    assert field in response.json()["detail"] and response.json()["code"] == field


def test_a_walk_has_no_gaps_or_repeats_while_annotations_change(api, alice, bob, tags):
    """Between pages: new annotations are made before and after the cursor, some move
    (span selected again, across the cursor both ways), some are deleted. Every
    annotation untouched during the walk is listed exactly once, in order; none is
    listed twice; and ?since=<as_of> lists everything the walk left out."""
    article = factories.make_article(created_by=alice, text=LONG_TEXT)
    word = 10  # "wordNNNNN "
    made = [
        services.annotation_create(
            article=article, author=alice, start=n * word, end=n * word + 9, tag="fact"
        )
        for n in range(0, 600, 2)
    ]
    first = _list(api, article, "?page_size=40")
    seen = [a["id"] for a in first["results"]]
    url, as_of, step = first["next"], first["as_of"], 0
    last_start = first["results"][-1]["start"]
    touched = set()
    while url:
        step += 1
        cursor_start = last_start
        behind = [a for a in made if a.start < cursor_start and a.pk not in touched]
        ahead = [a for a in made if a.start > cursor_start + 50 and a.pk not in touched]
        new_behind = services.annotation_create(
            article=article, author=bob, start=word * (step * 2 - 1), end=word * (step * 2 - 1) + 9,
            tag="opinion",
        )  # fmt: skip
        new_ahead = services.annotation_create(
            article=article, author=bob, start=word * (599 - step * 2),
            end=word * (599 - step * 2) + 9, tag="opinion",
        )  # fmt: skip
        touched |= {new_behind.pk, new_ahead.pk}
        if behind and ahead:
            forward, backward = behind[0], ahead[-1]
            # Moved: the author selects other words (a span seen moves ahead, one not
            # yet seen moves behind the cursor).
            services.annotation_update(
                annotation=forward, actor=alice, start=ahead[-1].start + 3 * word,
                end=ahead[-1].start + 3 * word + 9,
                quote=LONG_TEXT[ahead[-1].start + 3 * word : ahead[-1].start + 3 * word + 9],
            )  # fmt: skip
            services.annotation_update(
                annotation=backward, actor=alice, start=behind[0].start + word,
                end=behind[0].start + word + 9,
                quote=LONG_TEXT[behind[0].start + word : behind[0].start + word + 9],
            )  # fmt: skip
            gone = ahead[0]
            services.annotation_delete(annotation=gone, actor=alice)
            touched |= {forward.pk, backward.pk, gone.pk}
        page = api.get(url).json()
        assert page["as_of"] == as_of
        seen += [a["id"] for a in page["results"]]
        if page["results"]:
            last_start = page["results"][-1]["start"]
        url = page["next"]
    assert len(seen) == len(set(seen)), "an annotation was listed twice"
    live = Annotation.objects.filter(article=article).live()
    untouched = [a.pk for a in live.order_by("start", "id") if a.pk not in touched]
    assert [pk for pk in seen if pk not in touched] == untouched
    since = {a["id"] for a in _list(api, article, f"?page_size=1000&since={as_of}")["results"]}
    assert set(seen) | since == set(live.values_list("pk", flat=True))
    assert step >= 5


def test_a_cursor_from_before_a_revision_is_refused_with_409(api, article, alice):
    factories.annotate_many(article, alice, 4)
    first = _list(api, article, "?page_size=2")
    revisions.article_revise(article=article, actor=alice, text="Now. " + article.text)
    response = api.get(first["next"])
    assert response.status_code == 409 and response.json()["code"] == "cursor_stale"
    assert "Start again" in response.json()["detail"]


def _page_queries(api, article, query):
    with CaptureQueriesContext(connection) as queries:
        page = _list(api, article, query)
    return len(queries), page


def test_a_page_costs_the_same_queries_at_two_sizes_and_on_any_page(api, alice, bob, tags):
    small = factories.make_article(created_by=alice, text=LONG_TEXT, title="Small")
    big = factories.make_article(created_by=alice, text=LONG_TEXT, title="Big")
    for article, n in ((small, 30), (big, 600)):
        made = [
            services.annotation_create(
                article=article, author=alice, start=i * 10, end=i * 10 + 9, tag="fact"
            )
            for i in range(n)
        ]
        for a in made[::3]:
            services.review_set(annotation=a, reviewer=bob, verdict="agree")
    counts = []
    for article in (small, big):
        n, first = _page_queries(api, article, "?page_size=20")
        m, _ = _page_queries(api, article, "?" + first["next"].split("?", 1)[1])
        counts += [n, m]
    assert len(set(counts)) == 1, counts


# Create --------------------------------------------------------------------------------


def test_a_create_costs_the_same_queries_at_two_sizes(alice, bob, tags):
    """Over a real token, as a client sends it. On PostgreSQL four statements: the
    token with its user, the article, its row lock with the tag, and one write that
    checks for repeats and copies and writes the row, its history, its search document
    and its event (savepoints aside: the test runs inside a transaction)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {tokens.token_create(user=alice)[1]}")
    counts = []
    for n in (5, 400):
        article = factories.make_article(created_by=alice, text=LONG_TEXT, title=f"Size {n}")
        for i in range(n):
            services.annotation_create(
                article=article, author=bob, start=i * 10, end=i * 10 + 9, tag="fact"
            )
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                f"/api/articles/{article.slug}/annotations/",
                {"start": 3, "end": 19, "tag": "opinion"},
                format="json",
            )
        assert response.status_code == 201, response.content
        statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
        counts.append(len(statements))
        made = Annotation.objects.get(pk=response.json()["id"])
        assert (made.quote, made.history.count()) == (article.text[3:19], 1)
    assert counts[0] == counts[1], counts
    if connection.vendor == "postgresql":
        assert counts[0] == 4, [s[:80] for s in statements]
        # Planned once for the connection, not once a request: psycopg prepared the
        # write after its fifth run (settings: DJANGO_DB_PREPARE_THRESHOLD).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ["WITH prior AS %"],
            )
            assert cursor.fetchone()[0] == 1


# Export --------------------------------------------------------------------------------


def _diverse(article, alice, bob, carol):
    factories.make_curator(carol)
    # A note with what JSON must escape: quotes, a backslash, a line break, a tab, markup.
    plain = factories.annotate(
        article, alice, "Officials", note='A "record" \\ of it\nnext line\t<b>señal</b> \u2028'
    )
    accepted = factories.annotate(article, alice, "shameful", "opinion")
    services.review_set(annotation=accepted, reviewer=bob, verdict="agree", comment="Yes")
    services.review_set(annotation=accepted, reviewer=carol, verdict="agree")
    settled = factories.annotate(article, alice, "bridge")
    services.review_set(
        annotation=settled, reviewer=bob, verdict="disagree", proposed_tag="opinion"
    )
    services.annotation_settle(annotation=settled, actor=carol, tag="opinion", reason="Checked.")
    outdated = factories.annotate(article, alice, "2019")
    services.review_set(annotation=outdated, reviewer=bob, verdict="agree")
    services.annotation_update(annotation=outdated, actor=alice, tag="opinion")
    comment = services.comment_create(annotation=plain, author=bob, body="Source?")
    services.comment_create(annotation=plain, author=alice, body="The minutes.")
    services.comment_delete(comment=comment, actor=bob)
    revisions.article_revise(
        article=article, actor=alice, text=article.text.replace("2019", "2020")
    )


def test_exported_records_read_exactly_as_the_model_instances_give_them(article, alice, bob, carol):
    _diverse(article, alice, bob, carol)
    queryset = records.export_queryset({})
    slow = [records.annotation_record(a) for a in records.rows(queryset, reviews=True)]
    fast = list(records.records(queryset))
    assert len(fast) == 4 and fast == slow
    assert {r["status"] for r in fast} >= {"pending", "accepted", "settled"}
    assert any(r["reviews"] for r in fast) and any(r["comment_count"] for r in fast)
    assert any(r["anchor"] == "orphaned" for r in fast)
    # The JSON Lines export (written by the database on PostgreSQL) says the same.
    lines = "".join(formats.export_stream("jsonl", queryset, base_url="http://x"))
    assert [json.loads(line) for line in lines.splitlines()] == slow


def _export_queries(user, fmt="jsonl"):
    with CaptureQueriesContext(connection) as queries:
        chunks = list(formats.export_stream(fmt, records.export_queryset({}), base_url="http://x"))
    return len(queries), "".join(chunks)


def test_an_export_chunk_costs_the_same_queries_at_two_sizes(monkeypatch, alice, bob, tags):
    monkeypatch.setattr(records, "CHUNK_SIZE", 50)
    article = factories.make_article(created_by=alice, text=LONG_TEXT)
    made = [
        services.annotation_create(
            article=article, author=alice, start=i * 10, end=i * 10 + 9, tag="fact"
        )
        for i in range(100)
    ]
    for a in made[::2]:
        services.review_set(annotation=a, reviewer=bob, verdict="agree")
    two_chunks, text = _export_queries(alice)
    assert text.count("\n") == 100
    more = [
        services.annotation_create(
            article=article, author=bob, start=i * 10, end=i * 10 + 9, tag="opinion"
        )
        for i in range(100, 200)
    ]
    for a in more[::2]:
        services.review_set(annotation=a, reviewer=alice, verdict="disagree")
    four_chunks, text = _export_queries(alice)
    assert text.count("\n") == 200
    # One query reads the annotations (fetched a chunk at a time): on PostgreSQL with
    # their reviews, elsewhere with one more query per chunk for them. Nothing per row.
    if connection.vendor == "postgresql":
        assert (two_chunks, four_chunks) == (1, 1)
    else:
        assert (two_chunks, four_chunks) == (1 + 2, 1 + 4)


# Import --------------------------------------------------------------------------------




def test_an_import_of_10000_labels_writes_each_with_its_history_row_or_nothing(api, alice):
    bad = factories.doccano_file(20, 500, bad_last=True)
    assert len(bad) > 1024 * 1024  # over the 1 MiB every other endpoint keeps
    response = api.post("/api/import/?format=doccano", bad, content_type="application/x-ndjson")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("line 20, label 500: start: start (5)")
    assert "Nothing was imported" in response.json()["detail"]
    assert (Annotation.objects.count(), Annotation.history.count(), Article.objects.count()) == (
        0, 0, 0,
    )  # fmt: skip
    good = factories.doccano_file(20, 500)
    response = api.post("/api/import/?format=doccano", good, content_type="application/x-ndjson")
    assert response.status_code == 201, response.content
    assert response.json() == {"created": 10_000, "skipped": 0, "articles_created": 20}
    history = Annotation.history.all()
    assert history.count() == 10_000
    assert set(history.values_list("history_type", "history_user_id").distinct()) == {
        ("+", alice.pk)
    }
    a = Annotation.objects.select_related("article").order_by("id").last()
    assert a.quote == a.article.text[a.start : a.end] and a.quote.startswith("word")
    assert a.history.get().quote == a.quote and a.prefix and a.suffix
    again = api.post("/api/import/?format=doccano", good, content_type="application/x-ndjson")
    assert again.json() == {"created": 0, "skipped": 10_000, "articles_created": 0}
    assert Annotation.history.count() == 10_000
