"""Finding 6: importing this app's own export back creates nothing, and never copies
other people's annotations under the importer's name."""

import json

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


def _file_by(article, creator: str, tag="opinion") -> str:
    import json

    from tests.faults.test_hostile_input import _annotation, _selectors

    document = _annotation(
        article, **_selectors({"type": "TextPositionSelector", "start": 0, "end": 9})
    )
    document["body"][0]["value"] = tag
    document["creator"] = {"type": "Person", "nickname": creator}
    return json.dumps(document)


def test_an_editor_importing_someone_elses_annotation_is_its_author_with_provenance(
    client, article, alice, bob
):
    api = APIClient()
    api.force_authenticate(bob)
    response = api.post(
        "/api/import/?format=w3c", _file_by(article, "alice"), content_type="application/ld+json"
    )
    assert response.json()["created"] == 1
    made = Annotation.objects.get(tag__key="opinion", start=0)
    assert (made.author, made.imported_from) == (bob, "alice")
    assert made.history.first().history_user == bob
    client.force_login(bob)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "imported; by alice in the file" in html
    line = _export("jsonl").splitlines()[0]
    assert json.loads(line)["imported_from"] == "alice"


def test_an_admin_imports_in_the_name_of_people_who_have_an_account(article, alice):
    admin = factories.make_user("root", is_superuser=True, is_staff=True)
    api = APIClient()
    api.force_authenticate(admin)
    assert (
        api.post(
            "/api/import/?format=w3c",
            _file_by(article, "alice"),
            content_type="application/ld+json",
        ).json()["created"]
        == 1
    )
    made = Annotation.objects.get(tag__key="opinion", start=0)
    assert (made.author, made.imported_from) == (alice, "")
    assert made.history.first().history_user == admin  # who did it is on record
    # Someone with no account here: the admin is the author, the name is provenance.
    response = api.post(
        "/api/import/?format=w3c",
        _file_by(article, "stranger", tag="speculation"),
        content_type="application/ld+json",
    )
    assert response.json()["created"] == 1
    other = Annotation.objects.get(tag__key="speculation", start=0)
    assert (other.author, other.imported_from) == (admin, "stranger")


def test_importing_my_own_annotation_keeps_no_provenance(article, alice):
    api = APIClient()
    api.force_authenticate(alice)
    api.post(
        "/api/import/?format=w3c", _file_by(article, "alice"), content_type="application/ld+json"
    )
    assert Annotation.objects.get(tag__key="opinion", start=0).imported_from == ""


def test_a_creator_that_is_not_a_name_is_a_400(article, alice):
    import json

    api = APIClient()
    api.force_authenticate(alice)
    document = json.loads(_file_by(article, "alice"))
    document["creator"] = {"nickname": 5}
    response = api.post(
        "/api/import/?format=w3c", json.dumps(document), content_type="application/ld+json"
    )
    assert response.status_code == 400 and "creator" in response.json()["detail"]
