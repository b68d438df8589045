import csv
import io
import json

import jsonschema
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from annotator import formats, services
from annotator.models import Comment, Review
from tests import factories
from tests.annotator import w3c_model


@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    return client


@pytest.fixture
def annotated(article, alice, bob):
    fact = factories.annotate(article, alice, "Officials said", "fact", note="Attributed.")
    opinion = factories.annotate(article, bob, "shameful waste", "opinion")
    services.review_set(annotation=fact, reviewer=bob, verdict="agree", comment="Yes")
    Comment.objects.create(annotation=fact, author=bob, body="Which officials?")
    gone = factories.annotate(article, alice, "bridge")
    services.annotation_delete(annotation=gone, actor=alice)
    return fact, opinion


def _body(response) -> str:
    assert response.status_code == 200, response.content
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def test_jsonl_has_every_field_reviews_and_comment_count(api, article, annotated):
    fact, opinion = annotated
    response = api.get("/api/export/?format=jsonl")
    assert response["Content-Type"].startswith("application/x-ndjson")
    assert 'filename="claimmark-annotations.jsonl"' in response["Content-Disposition"]
    lines = [json.loads(line) for line in _body(response).splitlines()]
    assert [line["id"] for line in lines] == [fact.pk, opinion.pk]
    first = lines[0]
    assert first["quote"] == "Officials said" and first["note"] == "Attributed."
    assert first["author"] == "alice" and first["tag"] == "fact" and first["status"] == "accepted"
    assert first["comment_count"] == 1 and lines[1]["comment_count"] == 0
    assert first["reviews"] == [
        {
            "reviewer": "bob", "verdict": "agree", "proposed_tag": None, "comment": "Yes",
            "claim_version": 1, "judged_tag": "fact", "current": True,
            "created": first["reviews"][0]["created"], "modified": first["reviews"][0]["modified"],
        }
    ]  # fmt: skip
    assert set(first) >= {
        "id", "article", "start", "end", "quote", "prefix", "suffix", "tag", "note", "author",
        "status", "final_tag", "settled", "settlement", "version", "claim_version", "created",
        "modified",
    }  # fmt: skip
    assert (first["final_tag"], first["settled"], first["settlement"]) == ("fact", False, None)
    assert (lines[1]["status"], lines[1]["final_tag"]) == ("pending", None)


def test_w3c_is_an_annotation_collection_with_pages(api, article, annotated):
    fact, _ = annotated
    response = api.get(f"/api/export/?format=w3c&article={article.slug}")
    assert response["Content-Type"] == (
        'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
    )
    document = json.loads(_body(response))
    assert document["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert document["type"] == "AnnotationCollection" and document["total"] == 2
    page = document["first"]
    assert page["type"] == "AnnotationPage" and page["startIndex"] == 0
    item = page["items"][0]
    assert item["id"] == f"http://testserver/api/annotations/{fact.pk}/"
    assert item["type"] == "Annotation"
    assert item["creator"] == {"type": "Person", "nickname": "alice"}
    assert item["created"] and item["modified"]
    assert item["body"] == [
        {"type": "TextualBody", "purpose": "tagging", "value": "fact"},
        {"type": "TextualBody", "purpose": "classifying", "value": "fact"},  # accepted
        {
            "type": "TextualBody", "purpose": "commenting", "value": "Attributed.",
            "format": "text/plain",
        },
    ]  # fmt: skip
    state = item["target"].pop("state")
    assert state == {
        "type": "TimeState",
        "sourceDate": article.history.get().history_date.isoformat(),
        "cached": f"http://testserver/articles/{article.slug}/?revision=1",
    }
    assert item["target"] == {
        "source": f"http://testserver/articles/{article.slug}/",
        "selector": [
            {
                "type": "TextQuoteSelector", "exact": "Officials said", "prefix": "",
                "suffix": " the bridge opened in 2019.\n\nIt ",
            },
            {"type": "TextPositionSelector", "start": 0, "end": 14},
        ],
    }  # fmt: skip


def test_w3c_of_more_than_a_thousand_is_one_collection_with_one_page(api, article, alice):
    # Until now a file of more than 1,000 annotations nested each following page inside
    # the previous one's `next`, which the model (and the W3C test suite) refuse.
    factories.annotate_many(article, alice, 1100)
    document = json.loads(_body(api.get("/api/export/?format=w3c")))
    w3c_model.check_collection(document)
    page = document["first"]
    assert document["total"] == 1100 and len(page["items"]) == 1100
    assert "next" not in page and "prev" not in page
    assert page["partOf"] == document["id"] == "http://testserver/api/export/?format=w3c"
    assert document["last"] == page["id"] == f"{document['id']}#page-1"
    assert len({item["id"] for item in page["items"]}) == 1100


def test_w3c_rules_refuse_a_page_nested_in_next():
    nested = {"id": "http://x/p2", "type": "AnnotationPage", "items": []}
    document = {
        "@context": w3c_model.ANNO_CONTEXT, "id": "http://x/c", "type": "AnnotationCollection",
        "total": 1,
        "first": {"id": "http://x/p1", "type": "AnnotationPage", "items": [], "next": nested},
    }  # fmt: skip
    with pytest.raises(jsonschema.ValidationError):
        w3c_model.check_collection(document)
    document["first"]["next"] = "http://x/p2"
    w3c_model.check_collection(document)
    del document["first"]
    with pytest.raises(jsonschema.ValidationError):  # total 1 without first
        w3c_model.check_collection(document)


def test_w3c_of_nothing_is_an_empty_collection(api, tags):
    document = json.loads(_body(api.get("/api/export/?format=w3c")))
    w3c_model.check_collection(document)
    assert document["total"] == 0 and document["first"]["items"] == []


def test_doccano_is_one_article_per_line(api, article, alice, annotated):
    other = factories.make_article(created_by=alice, title="Other", text="Rain will come.")
    factories.annotate(other, alice, "Rain will come", "speculation")
    lines = [
        json.loads(line) for line in _body(api.get("/api/export/?format=doccano")).splitlines()
    ]
    assert lines == [
        {
            "text": article.text, "title": "The Bridge", "slug": article.slug, "revision": 1,
            "label": [[0, 14, "fact"], [51, 65, "opinion"]],
            "annotator": ["alice", "bob"], "note": ["Attributed.", ""],
        },
        {
            "text": "Rain will come.", "title": "Other", "slug": "other", "revision": 1,
            "label": [[0, 14, "speculation"]], "annotator": ["alice"], "note": [""],
        },
    ]  # fmt: skip


def test_csv_is_one_annotation_per_row(api, article, annotated):
    response = api.get("/api/export/?format=csv&tag=opinion")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = _body(response)
    assert body.startswith("\ufeffid,article,")  # the BOM Excel needs to read UTF-8
    rows = list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))
    assert len(rows) == 1
    assert rows[0]["quote"] == "shameful waste" and rows[0]["author"] == "bob"
    assert list(rows[0]) == formats.csv.COLUMNS


def test_export_filters(api, article, annotated):
    def quotes(query):
        body = _body(api.get(f"/api/export/?format=jsonl{query}"))
        return [json.loads(line)["quote"] for line in body.splitlines()]

    assert quotes("&author=bob") == ["shameful waste"]
    assert quotes("&status=accepted") == ["Officials said"]
    assert quotes("&status=pending") == ["shameful waste"]
    assert quotes("&tag=speculation") == []
    assert quotes(f"&article={article.slug}&tag=fact") == ["Officials said"]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", "format"),
        ("?format=xml", "format"),
        ("?format=csv&article=nope", "article"),
        ("?format=csv&tag=nope", "tag"),
        ("?format=csv&author=nope", "author"),
        ("?format=csv&status=nope", "status"),
    ],
)
def test_export_errors_are_json(api, tags, query, code):
    response = api.get(f"/api/export/{query}")
    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["detail"]


def test_export_queries_do_not_grow_with_the_number_of_annotations(api, article, alice, bob):
    def export_queries(count):
        for annotation in factories.annotate_many(article, alice, count):
            Review.objects.create(annotation=annotation, reviewer=bob, verdict="agree")
        with CaptureQueriesContext(connection) as captured:
            lines = _body(api.get("/api/export/?format=jsonl")).splitlines()
        return len(lines), len(captured)

    # Per chunk: annotations, reviews, reviewers, proposed tags; plus the request's own.
    few, many = export_queries(3), export_queries(60)
    assert (few[0], many[0]) == (3, 63)
    assert few[1] == many[1] <= 8


def test_download_menus_link_every_format_with_the_pages_filters(client, article, alice, bob):
    client.force_login(alice)
    listing = client.get("/").content.decode()
    reader = client.get(f"{article.get_absolute_url()}?tag=fact&author=bob").content.decode()
    mine = client.get(f"{article.get_absolute_url()}?status=needs-review").content.decode()
    for fmt in ("w3c", "jsonl", "doccano", "csv"):
        assert f'href="/api/export/?format={fmt}"' in listing  # everything
        assert f'/api/export/?format={fmt}&amp;article={article.slug}"' in listing
        assert f"?format={fmt}&amp;article={article.slug}&amp;tag=fact&amp;author=bob" in reader
        assert f'?format={fmt}&amp;article={article.slug}"' in mine  # personal filter dropped
    assert "Download filtered annotations" in reader


def test_csv_cells_that_start_like_formulas_are_quoted_as_text(tags, alice):
    import csv
    import io

    from annotator import formats

    text = '=HYPERLINK("http://evil.example","click") and +1 and @SUM(A1) plain'
    article = factories.make_article(created_by=alice, title="Formulas", text=text)
    factories.annotate(article, alice, text[:44], "fact", note="-2+3")
    factories.annotate(article, alice, "plain", "fact")
    queryset = formats.export_queryset()
    body = "".join(formats.export_stream("csv", queryset, base_url="http://testserver"))
    rows = list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))
    assert rows[0]["quote"].startswith("'=HYPERLINK(")
    assert rows[0]["note"] == "'-2+3"
    assert rows[1]["quote"] == "plain"


@pytest.fixture
def gold(article, alice, bob, carol):
    """An accepted, a settled, a disputed and a pending annotation, and one accepted on
    an earlier version only (its tag changed since: pending)."""
    curator = factories.make_curator(factories.make_user("dora"))
    accepted = factories.annotate(article, alice, "Officials said", "fact")
    settled = factories.annotate(article, alice, "shameful waste", "fact")
    disputed = factories.annotate(article, bob, "probably double", "fact")
    pending = factories.annotate(article, bob, "bridge", "fact")
    changed = factories.annotate(article, bob, "opened in 2019", "fact")
    services.review_set(annotation=accepted, reviewer=bob, verdict="agree")
    services.review_set(
        annotation=settled, reviewer=bob, verdict="disagree", proposed_tag="opinion"
    )
    services.annotation_settle(annotation=settled, actor=curator, tag="opinion", reason="Judges.")
    services.review_set(annotation=disputed, reviewer=carol, verdict="disagree")
    services.review_set(annotation=changed, reviewer=alice, verdict="agree")
    services.annotation_update(annotation=changed, actor=bob, tag="speculation")
    return {
        "accepted": accepted, "settled": settled, "disputed": disputed,
        "pending": pending, "changed": changed,
    }  # fmt: skip


def test_jsonl_carries_the_final_tag_the_settlement_and_outdated_reviews(api, gold):
    lines = {
        line["id"]: line
        for line in map(json.loads, _body(api.get("/api/export/?format=jsonl")).splitlines())
    }
    settled = lines[gold["settled"].pk]
    assert (settled["status"], settled["tag"], settled["final_tag"]) == (
        "settled", "fact", "opinion",
    )  # fmt: skip
    assert settled["settled"] is True
    assert settled["settlement"] | {"at": None} == {
        "tag": "opinion", "reason": "Judges.", "by": "dora", "at": None,
        "claim_version": 1, "current": True,
    }  # fmt: skip
    changed = lines[gold["changed"].pk]
    assert (changed["status"], changed["final_tag"], changed["claim_version"]) == (
        "pending", None, 2,
    )  # fmt: skip
    (review,) = changed["reviews"]
    assert (review["verdict"], review["judged_tag"], review["claim_version"]) == (
        "agree", "fact", 1,
    )  # fmt: skip
    assert review["current"] is False  # Alice agreed with Fact, not with Speculation
    assert lines[gold["accepted"].pk]["final_tag"] == "fact"
    assert lines[gold["disputed"].pk]["final_tag"] is None


def test_status_agreed_exports_the_gold_set_in_every_format(api, gold):
    agreed = {gold["accepted"].pk, gold["settled"].pk}
    jsonl = _body(api.get("/api/export/?format=jsonl&status=agreed")).splitlines()
    assert {json.loads(line)["id"] for line in jsonl} == agreed
    rows = list(
        csv.DictReader(io.StringIO(_body(api.get("/api/export/?format=csv&status=agreed"))[1:]))
    )
    assert {int(r["id"]) for r in rows} == agreed
    by_id = {int(r["id"]): r for r in rows}
    assert (by_id[gold["settled"].pk]["final_tag"], by_id[gold["settled"].pk]["settled"]) == (
        "opinion", "yes",
    )  # fmt: skip
    assert by_id[gold["settled"].pk]["settled_by"] == "dora"
    assert (by_id[gold["accepted"].pk]["final_tag"], by_id[gold["accepted"].pk]["settled"]) == (
        "fact", "no",
    )  # fmt: skip
    (doccano,) = [
        json.loads(line)
        for line in _body(api.get("/api/export/?format=doccano&status=agreed")).splitlines()
    ]
    spans = {(s, e): tag for s, e, tag in doccano["label"]}
    assert spans == {
        (gold["accepted"].start, gold["accepted"].end): "fact",
        (gold["settled"].start, gold["settled"].end): "opinion",  # the final tag
    }
    document = json.loads(_body(api.get("/api/export/?format=w3c&status=agreed")))
    items = {item["id"].rsplit("/", 2)[-2]: item for item in document["first"]["items"]}
    bodies = items[str(gold["settled"].pk)]["body"]
    assert {"type": "TextualBody", "purpose": "classifying", "value": "opinion"} in bodies
    moderating = [b for b in bodies if b["purpose"] == "moderating"]
    assert moderating[0]["value"] == "Judges." and moderating[0]["creator"]["nickname"] == "dora"
    settled_only = api.get("/api/export/?format=jsonl&status=settled")
    assert [json.loads(line)["id"] for line in _body(settled_only).splitlines()] == [
        gold["settled"].pk
    ]


def test_an_exported_settled_annotation_imports_back_with_its_own_tag(api, gold, alice):
    from annotator import formats
    from annotator.models import Annotation

    text = _body(api.get("/api/export/?format=w3c&status=settled"))
    (record,) = formats.parse("w3c", text)
    assert (record.tag, record.note) == ("fact", "")  # the moderating body is not a note
    before = Annotation.objects.count()
    formats.import_records([record], actor=alice)
    assert Annotation.objects.count() == before  # the same annotation by alice: skipped


def test_w3c_pages_over_http_link_each_other_by_iri(api, article, alice, bob):
    factories.annotate_many(article, alice, 1100)
    factories.annotate(article, bob, "Officials said", "opinion")
    collection = api.get("/api/w3c/?page_size=500")
    assert collection.status_code == 200
    assert collection["Content-Type"].startswith("application/ld+json")
    document = collection.json()
    w3c_model.check_collection(document)
    assert document["id"] == "http://testserver/api/w3c/?page_size=500"
    assert document["total"] == 1101
    assert document["first"] == "http://testserver/api/w3c/?page_size=500&page=1"
    assert document["last"] == "http://testserver/api/w3c/?page_size=500&page=3"

    url, seen, starts, previous = document["first"], [], [], None
    while url:
        with CaptureQueriesContext(connection) as captured:
            page = api.get(url.removeprefix("http://testserver")).json()
        w3c_model.check_page(page)
        assert page["id"] == url and page["partOf"] == document["id"]
        assert page.get("prev") == previous
        assert len(captured) <= 8  # the same few queries whichever page
        starts.append(page["startIndex"])
        seen += [item["id"] for item in page["items"]]
        previous, url = url, page.get("next")
    assert starts == [0, 500, 1000]
    assert len(seen) == len(set(seen)) == 1101

    only_bob = api.get("/api/w3c/?author=bob&page=1").json()
    assert only_bob["partOf"] == "http://testserver/api/w3c/?author=bob"
    assert [item["creator"]["nickname"] for item in only_bob["items"]] == ["bob"]
    assert "next" not in only_bob and "prev" not in only_bob


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("?page=0", 400, "page must be a whole number"),
        ("?page=x", 400, "page must be a whole number"),
        ("?page_size=1001", 400, "page_size must be a whole number from 1 to 1000"),
        ("?page=2", 404, "not_found"),
        ("?tag=nope", 400, "tag"),
    ],
)
def test_w3c_pages_refuse_what_they_cannot_serve(api, tags, query, status, words):
    response = api.get(f"/api/w3c/{query}")
    assert response.status_code == status
    assert words in json.dumps(response.json())


def test_w3c_pages_need_sign_in(tags):
    assert APIClient().get("/api/w3c/").status_code in (401, 403)
