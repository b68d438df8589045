import json
import re

import pytest
from rest_framework.test import APIClient

from annotator import formats, services
from annotator.models import Annotation
from articles.models import Article
from tests import factories


@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    return client


def _export(fmt: str) -> str:
    return "".join(formats.export_stream(fmt, formats.export_queryset(), base_url="http://x"))


def _snapshot():
    return sorted(
        (a.article.slug, a.start, a.end, a.quote, a.prefix, a.suffix, a.tag.key, a.note)
        for a in Annotation.objects.live().select_related("article", "tag")
    )


def _seed(article, alice, bob):
    factories.annotate(article, alice, "Officials said", "fact", note="Attributed.")
    factories.annotate(article, bob, "shameful waste", "opinion")
    factories.annotate(article, alice, "probably double", "speculation", note="Hedged 😀")
    gone = factories.annotate(article, alice, "bridge")
    services.annotation_delete(annotation=gone, actor=alice)


def _empty_annotations():
    # History rows are kept on purpose: clear only the current annotations.
    Annotation.objects.all().delete()


def test_w3c_round_trip_gives_the_same_annotations(api, article, alice, bob):
    _seed(article, alice, bob)
    before, data = _snapshot(), _export("w3c")
    _empty_annotations()
    response = api.post("/api/import/?format=w3c", data, content_type="application/ld+json")
    assert response.status_code == 201, response.content
    assert response.json() == {"created": 3, "skipped": 0, "articles_created": 0}
    assert _snapshot() == before
    imported = Annotation.objects.first()
    assert imported.author == alice and imported.history.first().history_user == alice


def test_doccano_round_trip_into_an_empty_database_creates_the_article(api, article, alice, bob):
    _seed(article, alice, bob)
    before = [(s, st, e, q, t) for s, st, e, q, _, _, t, _ in _snapshot()]
    data = _export("doccano")
    _empty_annotations()
    Article.objects.all().delete()
    response = api.post("/api/import/?format=doccano", data, content_type="application/x-ndjson")
    assert response.status_code == 201, response.content
    assert response.json() == {"created": 3, "skipped": 0, "articles_created": 1}
    assert [(s, st, e, q, t) for s, st, e, q, _, _, t, _ in _snapshot()] == before
    assert Article.objects.get().text == factories.SAMPLE_TEXT


def test_doccano_import_finds_an_existing_article_by_its_text(api, article, alice):
    line = json.dumps({"text": article.text, "label": [[0, 9, "Fact"]]})
    response = api.post("/api/import/?format=doccano", line, content_type="text/plain")
    assert response.json() == {"created": 1, "skipped": 0, "articles_created": 0}
    assert Annotation.objects.get().article == article


def test_importing_the_same_file_twice_adds_nothing_the_second_time(api, article, alice, bob):
    _seed(article, alice, bob)
    data = _export("w3c")
    _empty_annotations()
    api.post("/api/import/?format=w3c", data, content_type="application/ld+json")
    again = api.post("/api/import/?format=w3c", data, content_type="application/ld+json")
    assert again.json() == {"created": 0, "skipped": 3, "articles_created": 0}


def _w3c_item(article, **overrides):
    item = {
        "type": "Annotation",
        "body": [{"type": "TextualBody", "purpose": "tagging", "value": "fact"}],
        "target": {
            "source": f"http://elsewhere/articles/{article.slug}/",
            "selector": [
                {"type": "TextQuoteSelector", "exact": "Officials"},
                {"type": "TextPositionSelector", "start": 0, "end": 9},
            ],
        },
    }
    return item | overrides


def test_w3c_import_anchors_a_quote_without_positions(api, article):
    item = _w3c_item(article)
    item["target"]["selector"] = [
        {"type": "TextQuoteSelector", "exact": "money", "prefix": "waste of ", "suffix": "."}
    ]
    response = api.post("/api/import/?format=w3c", [item], format="json")
    assert response.status_code == 201
    annotation = Annotation.objects.get()
    assert article.text[annotation.start : annotation.end] == "money"


@pytest.mark.parametrize(
    ("fmt", "body", "reason"),
    [
        ("w3c", "{not json", "document: this is not valid JSON"),
        ("w3c", '{"type": "Nonsense"}', "expected an AnnotationCollection"),
        ("doccano", '{"text": "x"}\n[1, 2]\n', "line 2: each line must be a JSON object"),
        ("doccano", '{"text": "Unknown text.", "label": [[0, 7, "fact"]]}', "no title"),
        ("csv", "a,b", "Choose an import format"),
    ],
)
def test_import_rejects_unreadable_files(api, article, fmt, body, reason):
    response = api.post(f"/api/import/?format={fmt}", body, content_type="text/plain")
    assert response.status_code == 400
    assert reason in response.json()["detail"], response.json()
    assert Annotation.objects.count() == 0


def test_import_rejects_non_utf8(api, article):
    response = api.post("/api/import/?format=w3c", b"\xff\xfe{}", content_type="text/plain")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("The file is not UTF-8 text")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"end": 9999}, "annotation 3: end: end (9999) is past the end of the article"),
        ({"tag": "rumour"}, "annotation 3: there is no tag called 'rumour'"),
        ({"exact": "Nope"}, "annotation 3: quote: The quoted text does not match"),
        ({"source": "http://x/articles/missing/"}, "annotation 3: there is no article 'missing'"),
        ({"start": "0"}, "annotation 3: start must be a whole number"),
    ],
)
def test_one_bad_w3c_record_rejects_the_whole_import(api, article, change, reason):
    items = [_w3c_item(article), _w3c_item(article), _w3c_item(article)]
    bad = items[2]
    if "tag" in change:
        bad["body"] = [{"type": "TextualBody", "purpose": "tagging", "value": change["tag"]}]
    if "source" in change:
        bad["target"]["source"] = change["source"]
    for key in ("end", "start"):
        if key in change:
            bad["target"]["selector"][1][key] = change[key]
    if "exact" in change:
        bad["target"]["selector"][0]["exact"] = change["exact"]
    page = {"type": "AnnotationPage", "items": items}
    response = api.post("/api/import/?format=w3c", page, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_invalid"
    assert body["detail"].startswith(reason), body["detail"]
    assert body["detail"].endswith("Nothing was imported.")
    assert Annotation.objects.count() == 0
    assert Annotation.history.count() == 0


def test_one_bad_doccano_label_rejects_the_whole_import(api, article):
    lines = [
        json.dumps({"text": article.text, "label": [[0, 9, "fact"]]}),
        json.dumps({"text": article.text, "label": [[0, 9, "fact"], [5, 3, "fact"]]}),
    ]
    response = api.post("/api/import/?format=doccano", "\n".join(lines), content_type="text/plain")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("line 2, label 2: start: start (5) must be before")
    assert Annotation.objects.count() == 0


def test_import_over_its_limit_is_413_while_a_body_over_one_mebibyte_is_read(
    api, article, settings
):
    body = "x" * (1024 * 1024 + 1)  # read (the import's limit is 50 MiB), then refused
    response = api.post("/api/import/?format=doccano", body, content_type="text/plain")
    assert response.status_code == 400 and response.json()["code"] == "import_invalid"
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    response = api.post("/api/import/?format=doccano", body, content_type="text/plain")
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    assert "1,048,576 bytes" in response.json()["detail"]


def test_import_refuses_nul_characters(api, article):
    line = json.dumps({"text": article.text, "label": [[0, 9, "fact"]], "title": "a\u0000"})
    response = api.post("/api/import/?format=doccano", line, content_type="text/plain")
    assert response.status_code == 400
    assert "line 1: it holds a NUL character" in response.json()["detail"]
    assert Annotation.objects.count() == 0


def test_import_refuses_lone_surrogates(api, article):
    line = '{"text": "x", "title": "bad \\ud800", "label": [[0, 1, "fact"]]}'
    response = api.post("/api/import/?format=doccano", line, content_type="text/plain")
    assert response.status_code == 400
    assert "line 1: it holds a lone surrogate" in response.json()["detail"]


def test_doccano_round_trip_keeps_each_labels_note(api, article, alice, bob):
    _seed(article, alice, bob)
    before, data = _snapshot(), _export("doccano")
    _empty_annotations()
    response = api.post("/api/import/?format=doccano", data, content_type="application/x-ndjson")
    assert response.json() == {"created": 3, "skipped": 0, "articles_created": 0}
    assert _snapshot() == before  # notes included ("Hedged 😀")


def test_doccano_labels_without_notes_do_not_copy_an_annotation_that_has_one(api, article, alice):
    # A doccano file that went through doccano without the aligned lists, imported back
    # by the person who made the annotations: nothing new.
    factories.annotate(article, alice, "Officials said", "fact", note="Attributed.")
    line = json.dumps({"text": article.text, "label": [[0, 14, "fact"]]})
    response = api.post("/api/import/?format=doccano", line, content_type="text/plain")
    assert response.json() == {"created": 0, "skipped": 1, "articles_created": 0}
    assert Annotation.objects.live().count() == 1


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"note": ["one", "two"]}, '"note" must be a list with one entry per label (1)'),
        ({"note": "Attributed."}, '"note" must be a list with one entry per label (1)'),
        ({"note": [5]}, 'each entry of "note" must be text'),
    ],
)
def test_doccano_notes_that_do_not_line_up_with_labels_are_refused(api, article, extra, reason):
    line = json.dumps({"text": article.text, "label": [[0, 14, "fact"]]} | extra)
    response = api.post("/api/import/?format=doccano", line, content_type="text/plain")
    assert response.status_code == 400
    assert reason in response.json()["detail"] and not Annotation.objects.exists()


def _doccano_line(article, labels):
    return json.dumps(
        {
            "text": article.text,
            "title": article.title,
            "slug": article.slug,
            "revision": article.version,
            "label": labels,
        }
    )


def test_importing_an_exported_doccano_line_looks_its_article_up_once(api, article):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    words = [(m.start(), m.end()) for m in re.finditer(r"\w+", article.text)]

    def queries(count):
        _empty_annotations()
        line = _doccano_line(article, [[s, e, "fact"] for s, e in words[:count]])
        with CaptureQueriesContext(connection) as ctx:
            response = api.post("/api/import/?format=doccano", line, content_type="x/y")
        assert response.status_code == 201, response.content
        assert response.json()["created"] == count
        return len(ctx.captured_queries)

    assert len(words) >= 20
    assert queries(3) == queries(20)
