"""Exports name the article revision their offsets refer to; importing annotations made
against an older revision carries them across like a revision does."""

import csv
import io
import json

import pytest
from rest_framework.test import APIClient

from annotator import formats, services
from annotator.models import Annotation
from articles.models import Article
from tests import factories

NEW_TEXT = (
    "Update: the ministry corrected its figures.\n\n"
    "Officials said the bridge opened in 2019.\n\n"
    "It is a shameful and costly waste of money."
)


@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    return client


def _export(fmt: str, **params) -> str:
    queryset = formats.export_queryset(params)
    return "".join(formats.export_stream(fmt, queryset, base_url="http://x"))


@pytest.fixture
def annotated(article, alice, bob, carol):
    return {
        "bridge": factories.annotate(article, alice, "the bridge opened in 2019", "fact"),
        "waste": factories.annotate(article, bob, "a shameful waste of money", "opinion"),
        "traffic": factories.annotate(article, carol, "Traffic will probably double"),
    }


@pytest.fixture
def revised(article, alice, annotated):
    services.article_revise(article=article, actor=alice, text=NEW_TEXT, reason="r")
    article.refresh_from_db()
    return article


def test_jsonl_and_csv_say_each_annotations_anchor_and_revision(revised, annotated):
    lines = [json.loads(line) for line in _export("jsonl").splitlines()]
    assert {(r["quote"][:12], r["anchor"], r["revision"]) for r in lines} == {
        ("the bridge o", "exact", 2),
        ("a shameful a", "moved", 2),
        ("Traffic will", "orphaned", 1),  # its offsets index revision 1's text
    }
    rows = list(csv.DictReader(io.StringIO(_export("csv").removeprefix("\ufeff"))))
    assert {(r["anchor"], r["revision"]) for r in rows} == {
        ("exact", "2"), ("moved", "2"), ("orphaned", "1")
    }  # fmt: skip


def test_w3c_targets_name_their_revision_in_a_time_state(revised, annotated):
    items = json.loads(_export("w3c"))["first"]["items"]
    states = {i["target"]["selector"][0]["exact"][:12]: i["target"]["state"] for i in items}
    dates = {row.version: row.history_date.isoformat() for row in revised.history.all()}
    assert states["the bridge o"] == {
        "type": "TimeState",
        "sourceDate": dates[2],
        "cached": f"http://x/articles/{revised.slug}/?revision=2",
    }
    assert states["Traffic will"]["cached"].endswith("?revision=1")
    assert states["Traffic will"]["sourceDate"] == dates[1]


def test_doccano_names_the_revision_and_leaves_orphans_out(revised, annotated):
    (line,) = [json.loads(x) for x in _export("doccano").splitlines()]
    assert (line["revision"], line["text"]) == (2, NEW_TEXT)
    labelled = {NEW_TEXT[s:e] for s, e, _ in line["label"]}
    assert labelled == {"the bridge opened in 2019", "a shameful and costly waste of money"}


def test_an_export_made_before_a_revision_imports_carried_across(
    api, article, alice, bob, annotated
):
    old_w3c = _export("w3c")
    services.article_revise(article=article, actor=alice, text=NEW_TEXT)
    Annotation.objects.all().delete()  # the current annotations only; history stays
    response = api.post("/api/import/?format=w3c", old_w3c, content_type="application/ld+json")
    assert response.status_code == 201, response.content
    assert response.json() == {"created": 3, "skipped": 0, "articles_created": 0}
    got = {a.quote[:12]: a for a in Annotation.objects.all()}
    assert (got["the bridge o"].anchor, NEW_TEXT.index("the bridge")) == (
        "exact", got["the bridge o"].start
    )  # fmt: skip
    assert got["a shameful a"].anchor == "moved"
    assert got["a shameful a"].quote == "a shameful and costly waste of money"
    orphan = got["Traffic will"]
    assert (orphan.anchor, orphan.anchor_revision) == ("orphaned", 1)
    for a in Annotation.objects.exclude(anchor="orphaned"):
        assert NEW_TEXT[a.start : a.end] == a.quote
    again = api.post("/api/import/?format=w3c", old_w3c, content_type="application/ld+json")
    assert again.json() == {"created": 0, "skipped": 3, "articles_created": 0}


def test_a_doccano_file_of_an_older_revision_finds_its_article_and_carries_labels(
    api, article, alice, annotated
):
    old = _export("doccano")
    services.article_revise(article=article, actor=alice, text=NEW_TEXT)
    Annotation.objects.all().delete()
    response = api.post("/api/import/?format=doccano", old, content_type="application/x-ndjson")
    assert response.status_code == 201, response.content
    assert response.json() == {"created": 3, "skipped": 0, "articles_created": 0}
    assert Article.objects.count() == 1
    anchors = sorted(Annotation.objects.values_list("anchor", flat=True))
    assert anchors == ["exact", "moved", "orphaned"]


def test_a_doccano_line_whose_text_was_never_that_revision_makes_a_new_article(api, article, alice):
    line = json.dumps(
        {
            "text": "A different text.",
            "slug": article.slug,
            "revision": 1,
            "title": "Else",
            "label": [[0, 11, "fact"]],
        }  # fmt: skip
    )
    response = api.post("/api/import/?format=doccano", line, content_type="application/x-ndjson")
    assert response.json() == {"created": 1, "skipped": 0, "articles_created": 1}
    assert Article.objects.get(pk=article.pk).text == factories.SAMPLE_TEXT


@pytest.mark.parametrize(
    "cached, reason",
    [
        ("?revision=9", "has no revision 9"),
        ("?revision=abc", "not a revision number"),
    ],
)
def test_an_import_naming_a_revision_that_does_not_exist_imports_nothing(
    api, article, annotated, cached, reason
):
    item = {
        "type": "Annotation",
        "body": [{"type": "TextualBody", "purpose": "tagging", "value": "fact"}],
        "target": {
            "source": f"http://x/articles/{article.slug}/",
            "state": {"type": "TimeState", "cached": f"http://x/articles/{article.slug}/{cached}"},
            "selector": [{"type": "TextPositionSelector", "start": 0, "end": 9}],
        },
    }
    before = Annotation.objects.count()
    response = api.post(
        "/api/import/?format=w3c", json.dumps(item), content_type="application/json"
    )
    assert response.status_code == 400 and reason in response.json()["detail"]
    assert "Nothing was imported." in response.json()["detail"]
    assert Annotation.objects.count() == before


def test_a_doccano_revision_that_is_not_a_number_is_refused(api, article):
    line = json.dumps({"text": article.text, "revision": "two", "label": [[0, 9, "fact"]]})
    response = api.post("/api/import/?format=doccano", line, content_type="application/x-ndjson")
    assert (
        response.status_code == 400
        and '"revision" must be a revision number' in (response.json()["detail"])
    )
    assert not Annotation.objects.exists()
