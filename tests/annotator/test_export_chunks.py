"""Every export reads plain values a chunk at a time (a server-side cursor on
PostgreSQL), never a model instance per annotation, and says exactly what reading the
instances said; a chunk costs the same queries whatever the export's size."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotator import formats, services
from annotator.formats import records, w3c
from annotator.models import Annotation
from tests import factories
from tests.annotator.test_api_speed import LONG_TEXT, _diverse


def _export(fmt: str) -> str:
    return "".join(
        formats.export_stream(fmt, records.export_queryset({}), base_url="http://x")
    )


def test_the_w3c_export_says_what_the_model_instances_say(article, alice, bob, carol):
    _diverse(article, alice, bob, carol)
    settled = Annotation.objects.get(quote="bridge")
    services.annotation_update(annotation=settled, actor=alice, tag="speculation")  # outdated
    items = json.loads(_export("w3c"))["first"]["items"]
    instances = records.rows(records.export_queryset({}), reviews=False)
    source = f"http://x{article.get_absolute_url()}"
    expected = [w3c.w3c_annotation(a, source=source, base_url="http://x") for a in instances]
    assert len(items) == 4 and items == expected
    purposes = {body["purpose"] for item in items for body in item["body"]}
    assert purposes == {"tagging", "classifying", "commenting"}


def test_the_w3c_export_writes_a_current_settlement_from_plain_values(
    article, alice, bob, carol
):
    _diverse(article, alice, bob, carol)
    items = json.loads(_export("w3c"))["first"]["items"]
    moderating = [b for item in items for b in item["body"] if b["purpose"] == "moderating"]
    settled = Annotation.objects.get(quote="bridge")
    assert moderating == [
        {"type": "TextualBody", "purpose": "moderating", "value": "Checked.",
         "format": "text/plain", "creator": {"type": "Person", "nickname": "carol"},
         "created": settled.settled_at.isoformat()}
    ]  # fmt: skip
    orphan = next(i for i in items if i["target"]["selector"][0]["exact"] == "2019")
    assert orphan["target"]["state"]["cached"].endswith("?revision=1")


def test_the_csv_export_says_what_the_model_instances_say(article, alice, bob, carol):
    _diverse(article, alice, bob, carol)
    text = _export("csv")
    assert text.startswith(formats.csv.BOM)
    rows = list(csv.reader(io.StringIO(text.removeprefix(formats.csv.BOM))))
    assert rows[0] == formats.csv.COLUMNS
    expected = []
    for annotation in records.rows(records.export_queryset({}), reviews=True):
        record = records.annotation_record(annotation)
        settlement = record["settlement"] if record["settled"] else None
        record["settled_by"] = settlement["by"] if settlement else ""
        record["settled_reason"] = settlement["reason"] if settlement else ""
        record["final_tag"] = record["final_tag"] or ""
        record["settled"] = "yes" if record["settled"] else "no"
        expected.append([str(formats.csv.spreadsheet_safe(record[c])) for c in rows[0]])
    assert rows[1:] == expected and len(expected) == 4
    assert {"yes", "no"} == {row[rows[0].index("settled")] for row in rows[1:]}


def _queries(fmt: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        text = _export(fmt)
    return len(queries), text


def _count(fmt: str, text: str) -> int:
    if fmt == "w3c":
        return len(json.loads(text)["first"]["items"])
    if fmt == "csv":
        return len(text.splitlines()) - 1
    return sum(len(json.loads(line)["label"]) for line in text.splitlines())


@pytest.mark.parametrize("fmt", ["w3c", "csv", "doccano"])
def test_an_export_chunk_costs_the_same_queries_at_two_sizes(
    monkeypatch, fmt, alice, bob, tags
):
    monkeypatch.setattr(records, "CHUNK_SIZE", 50)
    article = factories.make_article(created_by=alice, text=LONG_TEXT)

    def make(first, last, author, tag):
        for i in range(first, last):
            a = services.annotation_create(
                article=article, author=author, start=i * 10, end=i * 10 + 9, tag=tag
            )
            if i % 2:
                services.review_set(annotation=a, reviewer=alice if author == bob else bob,
                                    verdict="agree")  # fmt: skip

    make(0, 100, alice, "fact")
    two_chunks, text = _queries(fmt)
    make(100, 200, bob, "opinion")
    four_chunks, more = _queries(fmt)
    assert (_count(fmt, text), _count(fmt, more)) == (100, 200)
    # w3c: the count, the rows, the date of the article's revision; csv: the rows;
    # doccano: the rows and the article. Nothing per chunk, nothing per row.
    assert two_chunks == four_chunks == {"w3c": 3, "csv": 1, "doccano": 2}[fmt]
