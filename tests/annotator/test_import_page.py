"""The import page: a file, its preview (nothing written), then the import."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotator import formats
from annotator.models import Annotation, ImportUpload
from articles.models import Article
from tests import factories


def _upload(name: str, content: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content.encode(), content_type="application/octet-stream")


def _doccano(article, labels, **extra) -> str:
    return json.dumps({"text": article.text, "title": article.title, "label": labels} | extra)


def _preview(client, name, content, fmt=""):
    return client.post(
        "/import/", {"file": _upload(name, content), "format": fmt, "action": "preview"}
    )


def test_the_page_needs_sign_in(client):
    response = client.get("/import/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_article_list_links_the_import_page(alice_client):
    assert 'href="/import/"' in alice_client.get("/").content.decode()


def test_preview_says_what_would_happen_and_writes_nothing(alice_client, article, alice, bob):
    factories.annotate(article, alice, "Officials said", "fact", note="Attributed.")
    lines = "\n".join(
        [
            _doccano(article, [[0, 14, "fact"], [51, 65, "opinion"], [0, 9, "rumour"]]),
            "{not json",
            json.dumps({"text": "A new text here.", "title": "New one", "label": [[0, 5, "fact"]]}),
            _doccano(article, [[0, 14, "fact"]], note=["x", "y"]),
        ]
    )
    before = Annotation.objects.count()
    response = _preview(alice_client, "mine.jsonl", lines)
    assert response.status_code == 200
    page = response.content.decode()
    plan = response.context["plan"]
    assert plan.fmt == "doccano"
    assert [r.where for r in plan.to_create] == ["line 1, label 2", "line 3, label 1"]
    assert [(s.where, s.reason) for s in plan.skipped] == [
        ("line 1, label 1", "These words already carry this tag.")
    ]
    refused = [(r.where, r.reason) for r in plan.refused]
    assert refused[0][0] == "line 2" and refused[0][1].startswith("This is not valid JSON")
    assert refused[1] == ("line 4", '"note" must be a list with one entry per label (1).')
    assert refused[2][0] == "line 1, label 3"
    assert refused[2][1].startswith("There is no tag called 'rumour'.")
    assert [(p.title, p.article, p.create, p.skip, p.refuse) for p in plan.articles] == [
        ("The Bridge", article, 1, 1, 1),
        ("New one", None, 1, 0, 0),
    ]
    assert "Read as doccano (JSONL)" in page and "Import 2 annotations" in page
    assert "line 2</strong>: This is not valid JSON" in page
    assert "new article" in page
    assert Annotation.objects.count() == before and Article.objects.count() == 1
    assert ImportUpload.objects.get(user=alice).name == "mine.jsonl"


def test_import_writes_what_the_preview_said_and_links_the_articles(alice_client, article, alice):
    lines = "\n".join(
        [
            _doccano(article, [[0, 14, "fact"], [0, 9, "rumour"]], note=["Said.", ""]),
            json.dumps({"text": "A new text here.", "title": "New one", "label": [[0, 5, "fact"]]}),
        ]
    )
    preview = _preview(alice_client, "mine.doccano.jsonl", lines)
    digest = preview.context["upload"].digest
    response = alice_client.post("/import/", {"action": "import", "upload": digest})
    assert response.status_code == 302 and response["Location"] == "/import/done/"
    made = Annotation.objects.order_by("id")
    assert [(a.quote, a.note, a.author) for a in made] == [
        ("Officials said", "Said.", alice),
        ("A new", "", alice),
    ]
    assert all(a.history.first().history_user == alice for a in made)
    assert not ImportUpload.objects.exists()
    done = alice_client.get("/import/done/")
    page = done.content.decode()
    assert "Imported mine.doccano.jsonl" in page
    assert "<strong>2</strong> annotations created, in 1 new article" in page
    assert "<strong>1</strong> refused and left out" in page
    new = Article.objects.get(title="New one")
    assert f'href="{article.get_absolute_url()}"' in page
    assert f'href="{new.get_absolute_url()}"' in page
    # The same form sent again (Back, then the button): nothing is imported twice.
    again = alice_client.post("/import/", {"action": "import", "upload": digest})
    assert again.status_code == 400
    assert "no longer waiting to be imported" in again.content.decode()
    assert Annotation.objects.count() == 2


def test_every_format_previews_from_its_own_export(alice_client, article, alice, bob):
    factories.annotate(article, bob, "shameful waste", "opinion", note="Loaded.")
    factories.annotate(article, bob, "Officials said", "fact")
    for fmt, name in [
        ("w3c", "x.jsonld"),
        ("doccano", "x.doccano.jsonl"),
        ("labelstudio", "x.labelstudio.json"),
        ("jsonl", "x.jsonl"),
    ]:
        data = "".join(
            formats.export_stream(fmt, formats.export_queryset(), base_url="http://testserver")
        )
        plan = _preview(alice_client, name, data).context["plan"]
        assert plan.fmt == fmt
        # Bob's annotations are already here: importing them back copies nobody's work.
        assert (len(plan.to_create), len(plan.skipped), len(plan.refused)) == (0, 2, 0), fmt
        assert plan.articles[0].article == article


def test_a_format_chosen_in_the_list_wins_over_the_name(alice_client, article):
    line = _doccano(article, [[0, 14, "fact"]])
    assert _preview(alice_client, "odd.txt", line, "doccano").context["plan"].fmt == "doccano"
    response = _preview(alice_client, "odd.txt", line, "w3c")
    assert response.status_code == 400
    assert "expected an AnnotationCollection" in response.content.decode()


def test_unreadable_files_are_refused_in_the_form(alice_client, article):
    response = _preview(alice_client, "notes.txt", "just some words")
    assert response.status_code == 400
    assert "not one of the formats this page reads" in response.content.decode()
    response = alice_client.post(
        "/import/",
        {"file": SimpleUploadedFile("x.jsonl", b"\xff\xfe{}"), "action": "preview"},
        format="multipart",
    )
    assert response.status_code == 400 and "not UTF-8 text" in response.content.decode()
    response = alice_client.post("/import/", {"action": "preview"})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    assert not ImportUpload.objects.exists()


def test_a_file_over_the_limit_is_refused_before_it_is_read(alice_client, article, settings):
    import annotator.services.import_uploads as imports

    old = imports.IMPORT_FILE_MAX_BYTES
    imports.IMPORT_FILE_MAX_BYTES = 10
    try:
        response = _preview(alice_client, "x.jsonl", _doccano(article, [[0, 14, "fact"]]))
    finally:
        imports.IMPORT_FILE_MAX_BYTES = old
    assert response.status_code == 400 and "the import page takes files up to" in (
        response.content.decode()
    )


def test_one_person_cannot_import_anothers_file(alice_client, client, article, bob):
    digest = (
        _preview(alice_client, "x.jsonl", _doccano(article, [[0, 14, "fact"]]))
        .context["upload"]
        .digest
    )
    client.force_login(bob)
    response = client.post("/import/", {"action": "import", "upload": digest})
    assert response.status_code == 400 and not Annotation.objects.exists()


def test_preview_queries_do_not_grow_with_the_number_of_labels(alice_client, article, alice):
    def queries(count):
        labels = [[i, i + 1, "fact"] for i in range(count) if article.text[i].strip()]
        with CaptureQueriesContext(connection) as captured:
            line = _doccano(article, labels, slug=article.slug, revision=1)  # as exported
            _preview(alice_client, "x.jsonl", line)
        return len(captured)

    queries(5)  # the first preview creates the held upload; later ones replace it
    assert queries(5) == queries(60)
