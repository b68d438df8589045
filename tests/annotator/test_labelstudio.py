"""Label Studio tasks: export, the labeling config they match, import, round trips."""

import json
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
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


def _export(api, query="") -> list:
    response = api.get(f"/api/export/?format=labelstudio{query}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert 'filename="claimmark-annotations.labelstudio.json"' in response["Content-Disposition"]
    return json.loads(b"".join(response.streaming_content))


def _snapshot():
    return sorted(
        (a.article.slug, a.start, a.end, a.quote, a.tag.key, a.note)
        for a in Annotation.objects.live().select_related("article", "tag")
    )


@pytest.fixture
def seeded(article, alice, bob):
    factories.annotate(article, alice, "Officials said", "fact", note="Attributed.")
    factories.annotate(article, bob, "shameful waste", "opinion")
    factories.annotate(article, alice, "probably double", "speculation", note="Hedged 😀")
    factories.annotate(article, bob, "Officials said", "opinion")  # same words, other view
    gone = factories.annotate(article, alice, "bridge")
    services.annotation_delete(annotation=gone, actor=alice)
    other = factories.make_article(created_by=alice, title="Other", text="Rain will come.")
    factories.annotate(other, bob, "Rain will come", "speculation")
    return other


def test_export_is_one_task_per_article_with_one_annotation_per_annotator(api, article, seeded):
    tasks = _export(api)
    assert [task["data"]["slug"] for task in tasks] == [article.slug, "other"]
    first = tasks[0]
    assert first["data"] | {"text": "…"} == {
        "text": "…", "title": "The Bridge", "slug": article.slug, "revision": 1,
        "source": f"http://testserver/articles/{article.slug}/", "annotators": ["alice", "bob"],
    }  # fmt: skip
    assert first["data"]["text"] == article.text
    alice_result, bob_result = (a["result"] for a in first["annotations"])
    labels = [r for r in alice_result if r["type"] == "labels"]
    assert [(r["value"]["start"], r["value"]["end"], r["value"]["text"]) for r in labels] == [
        (0, 14, "Officials said"), (90, 105, "probably double"),
    ]  # fmt: skip
    assert labels[0] == {
        "id": labels[0]["id"], "from_name": "label", "to_name": "text", "type": "labels",
        "value": {"start": 0, "end": 14, "text": "Officials said", "labels": ["fact"]},
    }  # fmt: skip
    notes = {r["id"]: r["value"]["text"] for r in alice_result if r["type"] == "textarea"}
    assert notes == {labels[0]["id"]: ["Attributed."], labels[1]["id"]: ["Hedged 😀"]}
    assert [r["value"]["labels"] for r in bob_result] == [["opinion"], ["opinion"]]
    assert tasks[1]["data"]["annotators"] == ["bob"]


def test_names_in_the_export_match_the_labeling_config(api, article, seeded):
    response = api.get("/api/export/labelstudio-config/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own configuration
    text = root.find("Text")
    labels = root.find("Labels")
    note = root.find("TextArea")
    assert text.get("value") == "$" + text.get("name")
    assert labels.get("toName") == note.get("toName") == text.get("name")
    assert note.get("perRegion") == "true"
    keys = [label.get("value") for label in labels.findall("Label")]
    assert keys == ["fact", "opinion", "speculation"]
    assert [label.get("hotkey") for label in labels.findall("Label")] == ["f", "o", "s"]
    for task in _export(api):
        assert text.get("name") in task["data"]
        for region in (r for a in task["annotations"] for r in a["result"]):
            assert region["to_name"] == text.get("name")
            expected = labels.get("name") if region["type"] == "labels" else note.get("name")
            assert region["from_name"] == expected
            assert set(region["value"].get("labels", [])) <= set(keys)


def test_round_trip_gives_the_same_annotations(api, article, seeded, alice):
    before, data = _snapshot(), json.dumps(_export(api))
    Annotation.objects.all().delete()
    response = api.post("/api/import/?format=labelstudio", data, content_type="application/json")
    assert response.status_code == 201, response.content
    # Two people tagged "Officials said"; imported by one person, both tags stay.
    assert response.json() == {"created": 5, "skipped": 0, "articles_created": 0}
    assert _snapshot() == before
    again = api.post("/api/import/?format=labelstudio", data, content_type="application/json")
    assert again.json() == {"created": 0, "skipped": 5, "articles_created": 0}


def test_round_trip_into_an_empty_database_creates_the_articles(api, article, seeded):
    before, data = _snapshot(), json.dumps(_export(api))
    Annotation.objects.all().delete()
    Article.objects.all().delete()
    response = api.post("/api/import/?format=labelstudio", data, content_type="application/json")
    assert response.json() == {"created": 5, "skipped": 0, "articles_created": 2}
    assert _snapshot() == before


def test_a_label_studio_export_of_its_own_imports(api, article, alice):
    # What Label Studio writes after someone labelled the task there: its own ids and
    # fields, completed_by as its user id, a cancelled annotation, a choices control.
    task = {
        "id": 7, "data": {"text": article.text, "title": "The Bridge"},
        "annotations": [
            {
                "id": 3, "completed_by": 1, "was_cancelled": False, "result": [
                    {"value": {"start": 0, "end": 14, "text": "Officials said", "labels": ["Fact"]},
                     "id": "gew3t9fgkg", "from_name": "label", "to_name": "text",
                     "type": "labels", "origin": "manual"},
                    {"value": {"start": 0, "end": 14, "text": ["Who?"]}, "id": "gew3t9fgkg",
                     "from_name": "note", "to_name": "text", "type": "textarea"},
                    {"value": {"choices": ["Done"]}, "id": "x", "from_name": "state",
                     "to_name": "text", "type": "choices"},
                ],
            },
            {"id": 4, "was_cancelled": True, "result": [
                {"value": {"start": 15, "end": 18, "labels": ["fact"]}, "id": "c",
                 "from_name": "label", "to_name": "text", "type": "labels"}]},
        ],
        "predictions": [],
    }  # fmt: skip
    response = api.post(
        "/api/import/?format=labelstudio", json.dumps([task]), content_type="application/json"
    )
    assert response.json() == {"created": 1, "skipped": 0, "articles_created": 0}
    made = Annotation.objects.get()
    assert (made.quote, made.tag.key, made.note, made.author) == (
        "Officials said", "fact", "Who?", alice
    )  # fmt: skip


@pytest.mark.parametrize(
    ("task", "reason"),
    [
        ({"annotations": []}, 'task 1: each task must be a JSON object with "data"'),
        ({"data": {"body": "x"}}, "task 1: \"data\" needs the article's text as \"text\""),
        ({"data": {"text": "T"}, "annotations": {}}, '"annotations" must be a list'),
        ({"data": {"text": "T"}, "annotations": [{}]}, 'must have a "result" list'),
        (
            {"annotations": [{"result": [{"type": "labels", "id": "r1", "value": {}}]}]},
            "task 1, annotation 1, region r1: a labels region needs",
        ),
        (
            {"annotations": [{"result": [{"type": "labels", "id": "r1",
             "value": {"start": 0, "end": 9, "text": "Nope", "labels": ["fact"]}}]}]},
            "task 1, annotation 1, region r1",
        ),
        (
            {"annotations": [{"result": [{"type": "labels", "id": "r1",
             "value": {"start": 0, "end": 9, "labels": ["rumour"]}}]}]},
            "there is no tag called 'rumour'",
        ),
    ],
)  # fmt: skip
def test_bad_tasks_are_refused_with_where_and_why(api, article, task, reason):
    if "data" not in task and "annotations" in task and task["annotations"]:
        task = {"data": {"text": article.text}} | task
    response = api.post(
        "/api/import/?format=labelstudio", json.dumps(task), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert reason in response.json()["detail"]
    assert "Nothing was imported" in response.json()["detail"]
    assert not Annotation.objects.exists()


def test_export_queries_do_not_grow_with_the_number_of_annotations(api, article, alice, bob):
    def export_queries(count):
        factories.annotate_many(article, alice, count)
        factories.annotate_many(article, bob, count)
        with CaptureQueriesContext(connection) as captured:
            tasks = _export(api)
        return sum(len(a["result"]) for a in tasks[0]["annotations"]), len(captured)

    few, many = export_queries(3), export_queries(60)
    assert (few[0], many[0]) == (6, 126)
    assert few[1] == many[1]


def test_jsonl_round_trip_gives_the_same_annotations(api, article, seeded):
    before = _snapshot()
    data = "".join(formats.export_stream("jsonl", formats.export_queryset(), base_url="http://x"))
    Annotation.objects.all().delete()
    response = api.post("/api/import/?format=jsonl", data, content_type="application/x-ndjson")
    assert response.json() == {"created": 5, "skipped": 0, "articles_created": 0}
    assert _snapshot() == before


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("[1]", "line 1: each line must be a JSON object"),
        ('{"tag": "fact"}', 'line 1: "article" must be the slug'),
        ('{"article": "nope", "tag": "fact"}', "line 1: there is no article 'nope' here."),
        ('{"article": "the-bridge", "tag": "fact", "start": "0"}', "start must be a whole"),
    ],
)
def test_bad_jsonl_lines_are_refused(api, article, line, reason):
    response = api.post("/api/import/?format=jsonl", line, content_type="application/x-ndjson")
    assert response.status_code == 400 and reason in response.json()["detail"]


def test_offsets_are_code_points_so_emoji_do_not_shift_the_words(api, tags, alice):
    text = "Fans 😀😀 cheered. Officials said the bridge opened in 2019."
    article = factories.make_article(created_by=alice, title="Emoji", text=text)
    made = factories.annotate(article, alice, "Officials said", "fact")
    region = _export(api)[0]["annotations"][0]["result"][0]["value"]
    assert (region["start"], region["end"]) == (made.start, made.end) == (17, 31)  # not 19
    assert text[region["start"] : region["end"]] == region["text"] == "Officials said"


def test_a_task_made_in_label_studio_without_a_title_names_its_new_article(api, tags):
    task = {
        "data": {"text": "Rain will probably come tomorrow, officials said.\n\nMore."},
        "annotations": [{"result": [{"id": "r1", "type": "labels", "from_name": "label",
            "to_name": "text", "value": {"start": 0, "end": 32, "labels": ["speculation"]}}]}],
    }  # fmt: skip
    response = api.post(
        "/api/import/?format=labelstudio", json.dumps([task]), content_type="application/json"
    )
    assert response.json() == {"created": 1, "skipped": 0, "articles_created": 1}
    assert Article.objects.get().title == "Rain will probably come tomorrow, officials said."
