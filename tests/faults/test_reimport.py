"""Finding 6: importing this app's own export back creates nothing, and never copies
other people's annotations under the importer's name."""

import pytest
from rest_framework.test import APIClient

from annotator import formats, services
from annotator.models import Annotation
from tests import factories


def _export(fmt: str) -> str:
    queryset = formats.export_queryset()
    return "".join(formats.export_stream(fmt, queryset, base_url="http://testserver"))


@pytest.fixture
def seeded(article, alice, bob, carol):
    factories.make_curator(carol)
    factories.annotate(article, alice, "Officials said", "fact", note="Attributed.")
    factories.annotate(article, bob, "shameful waste", "opinion")
    factories.annotate(article, alice, "shameful waste", "speculation")  # same words, other tag
    disputed = factories.annotate(article, alice, "probably double", "fact")
    # Settled as speculation: doccano exports the settled tag.
    services.annotation_settle(
        annotation=disputed, actor=carol, tag="speculation", reason="A forecast."
    )
    return article


@pytest.mark.parametrize("importer", ["alice", "bob", "carol"])
def test_importing_our_own_exports_back_creates_nothing(seeded, importer, request):
    user = request.getfixturevalue(importer)
    api = APIClient()
    api.force_authenticate(user)
    before = sorted(Annotation.objects.values_list("id", "author__username", "tag__key"))
    live = len(before)
    w3c = api.post("/api/import/?format=w3c", _export("w3c"), content_type="application/ld+json")
    assert w3c.status_code == 201, w3c.content
    assert w3c.json() == {"created": 0, "skipped": live, "articles_created": 0}
    doccano = api.post(
        "/api/import/?format=doccano", _export("doccano"), content_type="application/x-ndjson"
    )
    assert doccano.status_code == 201, doccano.content
    assert doccano.json()["created"] == 0
    assert sorted(Annotation.objects.values_list("id", "author__username", "tag__key")) == before


def test_a_new_claim_in_an_import_is_still_created_for_the_importer(seeded, bob):
    from tests.faults.test_hostile_input import _annotation, _selectors

    document = _annotation(
        seeded, **_selectors({"type": "TextPositionSelector", "start": 0, "end": 9})
    )
    document["body"][0]["value"] = "opinion"  # "Officials" as opinion: nobody said that
    api = APIClient()
    api.force_authenticate(bob)
    import json

    response = api.post(
        "/api/import/?format=w3c", json.dumps(document), content_type="application/ld+json"
    )
    assert response.json() == {"created": 1, "skipped": 0, "articles_created": 0}
    made = Annotation.objects.get(start=0, end=9, tag__key="opinion")
    assert made.author == bob
