"""Findings 4 and 5: malformed imports and bodies are a 400 (or 411/413) JSON with a
sentence, never a 500, and never a silent 201 {"created": 0}."""

import json

import httpx
import pytest
from rest_framework.test import APIClient

from annotator.models import Annotation
from tests import factories
from tests.faults.server import serve


@pytest.fixture
def api(alice):
    client = APIClient()
    client.force_authenticate(alice)
    return client


def _import(api, body, fmt="w3c"):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return api.post(f"/api/import/?format={fmt}", data, content_type="application/ld+json")


def _annotation(article, **target):
    return {
        "type": "Annotation",
        "body": [{"type": "TextualBody", "purpose": "tagging", "value": "fact"}],
        "target": {"source": f"http://x/articles/{article.slug}/", **target},
    }


def _selectors(*selectors):
    return {"selector": list(selectors)}


HOSTILE = {
    "items is a number": lambda a: {"type": "AnnotationPage", "items": 5},
    "items is text": lambda a: {"type": "AnnotationPage", "items": "abc"},
    "first is a list": lambda a: {"type": "AnnotationCollection", "first": [1]},
    "selector type is a list": lambda a: _annotation(a, **_selectors({"type": ["x"]})),
    "prefix is a number": lambda a: _annotation(
        a, **_selectors({"type": "TextQuoteSelector", "exact": "Officials", "prefix": 5})
    ),
    "exact is a list": lambda a: _annotation(
        a,
        **_selectors(
            {"type": "TextQuoteSelector", "exact": ["x"]},
            {"type": "TextPositionSelector", "start": 0, "end": 9},
        ),
    ),
    "source is a broken URL": lambda a: {
        **_annotation(a),
        "target": {"source": "http://[::1", "selector": []},
    },
    "cached is a broken URL": lambda a: _annotation(
        a,
        state={"type": "TimeState", "cached": "http://[::1"},
        **_selectors({"type": "TextPositionSelector", "start": 0, "end": 9}),
    ),
    "tag value is an object": lambda a: {
        **_annotation(a, **_selectors({"type": "TextPositionSelector", "start": 0, "end": 9})),
        "body": {"purpose": "tagging", "value": {"x": 1}},
    },
    "note is a number": lambda a: {
        **_annotation(a, **_selectors({"type": "TextPositionSelector", "start": 0, "end": 9})),
        "body": [
            {"purpose": "tagging", "value": "fact"},
            {"purpose": "commenting", "value": 7},
        ],
    },
    "start is a float": lambda a: _annotation(
        a, **_selectors({"type": "TextPositionSelector", "start": 0.5, "end": 9})
    ),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_a_malformed_w3c_import_is_a_400_with_a_sentence(api, article, case):
    response = _import(api, HOSTILE[case](article))
    assert response.status_code == 400, (case, response.content[:300])
    body = response.json()
    assert body["code"].startswith("import_"), body
    assert body["detail"].endswith(".") and len(body["detail"]) > 20
    assert not Annotation.objects.exists()


def _nested(depth=20_000) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/articles/the-bridge/annotations/"),
        ("post", "/api/articles/"),
        ("post", "/api/token/"),
        ("post", "/api/import/?format=w3c"),
        ("post", "/api/import/?format=doccano"),
        ("patch", "/api/annotations/{mine}/"),
        ("put", "/api/annotations/{theirs}/review/"),
        ("post", "/api/annotations/{theirs}/comments/"),
    ],
)
def test_deeply_nested_json_is_a_400_on_any_endpoint(api, article, alice, bob, method, url):
    mine = factories.annotate(article, alice, "Officials said", "fact")
    theirs = factories.annotate(article, bob, "shameful waste", "opinion")
    url = url.format(mine=mine.pk, theirs=theirs.pk)
    response = getattr(api, method)(
        url, _nested(), content_type="application/json", HTTP_IF_MATCH=mine.etag
    )
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert "nested" in response.json()["detail"] or "not valid JSON" in response.json()["detail"]


def test_an_empty_import_body_is_a_400(api, article):
    for fmt in ("w3c", "doccano"):
        response = api.post(f"/api/import/?format={fmt}", b"", content_type="application/json")
        assert response.status_code == 400
        assert response.json()["code"] == "empty"
        assert "body is empty" in response.json()["detail"]


def test_a_file_with_no_annotations_is_a_400_not_created_0(api, article):
    response = _import(api, {"type": "AnnotationPage", "items": []})
    assert response.status_code == 400
    assert response.json()["code"] == "import_empty"
    response = _import(api, "\n\n", fmt="doccano")
    assert response.status_code in {400}


def _chunks(data: bytes):
    for start in range(0, len(data), 100):
        yield data[start : start + 100]


@pytest.mark.django_db(transaction=True)
def test_a_chunked_import_is_refused_with_411_not_dropped(tags, alice):
    """Against the production server (make serve), where the finding was made."""
    article = factories.make_article(created_by=alice)
    document = json.dumps(
        _annotation(article, **_selectors({"type": "TextPositionSelector", "start": 0, "end": 9}))
    ).encode()
    with serve(workers=1) as base, httpx.Client(base_url=base) as client:
        key = factories.make_token(alice)
        response = client.post(
            "/api/import/?format=w3c",
            content=_chunks(document),
            headers={"Authorization": f"Token {key}", "Content-Type": "application/ld+json"},
        )
        assert response.status_code == 411, response.text[:300]
        assert "Content-Length" in response.json()["detail"]
        assert not Annotation.objects.exists()
        # The same file with its length: imported.
        sent = client.post(
            "/api/import/?format=w3c",
            content=document,
            headers={"Authorization": f"Token {key}", "Content-Type": "application/ld+json"},
        )
        assert sent.status_code == 201 and sent.json()["created"] == 1
