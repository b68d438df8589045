"""The services' and the import formats' sentences in the reader's language: over real
HTTP, a stale edit, an already-tagged span and a bad import file answer in Spanish when
the request asks for it (Accept-Language: es), and in English otherwise."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotator import services
from annotator.models import Notification, Preference
from annotator.services import preferences
from tests import factories

ES = {"Accept-Language": "es-ES,es;q=0.9"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}


def _span(article, phrase):
    start = article.text.index(phrase)
    return {"start": start, "end": start + len(phrase), "quote": phrase}


def test_a_stale_edit_is_refused_in_spanish(http, article):
    created = http.post(
        f"/articles/{article.slug}/annotations/",
        json=_span(article, "Officials") | {"tag": "fact"},
    ).json()
    url = f"/annotations/{created['id']}/"
    first = http.get(url).headers["ETag"]
    http.patch(url, json={"note": "Attributed."}, headers={"If-Match": first})

    stale = http.patch(url, json={"tag": "opinion"}, headers={"If-Match": first} | ES)
    assert stale.status_code == 412 and stale.json()["code"] == "stale"
    assert stale.json()["detail"] == (
        "Mientras tanto, alice cambió esta anotación (ahora es la versión 2). "
        "Vuelva a cargarla y aplique su cambio de nuevo."
    )
    english = http.patch(url, json={"tag": "opinion"}, headers={"If-Match": first} | EN)
    assert english.json()["detail"].startswith("This annotation was changed by alice meanwhile")


def test_an_already_tagged_span_is_refused_in_spanish(http, article, bob):
    theirs = factories.annotate(article, bob, "shameful waste", "opinion")
    copy = _span(article, "shameful waste") | {"tag": "opinion"}
    response = http.post(f"/articles/{article.slug}/annotations/", json=copy, headers=ES)
    assert response.status_code == 409 and response.json()["code"] == "already_tagged"
    # The tag named in Spanish too (its label_es).
    assert response.json()["detail"] == (
        "bob ya etiquetó este pasaje como Opinión. Muestre su acuerdo con esa anotación "
        f"en lugar de añadir una copia (anotación {theirs.pk})."
    )


@pytest.mark.parametrize(
    ("body", "spanish"),
    [
        ('{"text": "x", "label": [[0, 1, "fact"]]}\n{not json',
         "línea 2: esto no es JSON válido ("),
        ('{"text": "x", "label": "fact"}',
         'línea 1: "label" debe ser una lista de [start, end, tag]. No se importó nada.'),
        ('{"text": "x", "label": [[0, 1, "rumour"]]}',
         "línea 1, etiqueta 1: no hay ninguna etiqueta llamada 'rumour'. Use una de estas: "
         "fact, opinion, speculation. No se importó nada."),
    ],
)  # fmt: skip
def test_a_bad_import_file_is_refused_in_spanish(http, body, spanish):
    response = http.post(
        "/import/?format=doccano",
        content=body.encode(),
        headers={"Content-Type": "application/x-ndjson"} | ES,
    )
    assert response.status_code == 400
    assert response.json()["detail"].startswith(spanish), response.json()


def test_a_file_that_is_not_utf8_is_refused_in_spanish(http):
    response = http.post(
        "/import/?format=doccano",
        content=b'{"text": "caf\xe9"}',
        headers={"Content-Type": "application/x-ndjson"} | ES,
    )
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "El archivo no es texto UTF-8 (no se puede leer el byte 13). No se importó nada."
    )


def test_the_import_preview_names_places_and_reasons_in_spanish(alice_client, article):
    lines = "\n".join(
        [
            json.dumps({"text": article.text, "title": article.title, "label": [[0, 9, "x"]]}),
            "{not json",
        ]
    )
    upload = SimpleUploadedFile("mine.jsonl", lines.encode())
    response = alice_client.post(
        "/import/",
        {"file": upload, "format": "", "action": "preview"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 200
    refused = [(r.where, r.reason) for r in response.context["plan"].refused]
    assert refused[0][0] == "línea 2" and refused[0][1].startswith("Esto no es JSON válido")
    assert refused[1] == (
        "línea 1, etiqueta 1",
        "No hay ninguna etiqueta llamada 'x'. Use una de estas: fact, opinion, speculation.",
    )


def test_notices_of_a_revision_are_written_in_each_authors_language(article, alice, bob, carol):
    factories.annotate(article, bob, "shameful waste", "opinion")
    factories.annotate(article, carol, "bridge", "fact")
    preferences.preference_set(user=bob, language="es")
    text = article.text.replace("shameful waste", "shameful loss").replace("bridge", "tunnel")
    services.article_revise(article=article, actor=alice, text=text, reason="Fixed.")
    by_user = dict(Notification.objects.values_list("user__username", "text"))
    assert by_user["bob"].startswith("alice revisó «The Bridge»: 1 de sus anotaciones necesita")
    assert by_user["carol"].startswith("alice revised “The Bridge”: 1 of your annotations needs")


def test_the_digest_is_written_in_the_persons_language(article, alice, bob, mailoutbox):
    bob.email = "bob@example.org"
    bob.save()
    Preference.objects.create(user=bob, language="es")
    annotation = factories.annotate(article, bob, "shameful waste", "opinion")
    services.comment_create(annotation=annotation, author=alice, body="@bob ¿seguro?")
    assert services.notification_digest_send() == (1, 1)
    assert mailoutbox[0].subject == "Claimmark: 1 notificación nueva"
    assert "Hola, bob:" in mailoutbox[0].body
    assert "Recibe este correo porque tiene notificaciones sin leer." in mailoutbox[0].body


def test_verdicts_replies_mentions_and_settlements_are_told_in_each_readers_language(
    article, alice, bob, carol
):
    """Notifications are kept as text: each is written in its reader's language, not in
    the language of the person who acted."""
    factories.make_curator(carol)
    preferences.preference_set(user=alice, language="es")
    mine = factories.annotate(article, alice, "shameful waste", "opinion")
    services.review_set(annotation=mine, reviewer=bob, verdict="disagree", proposed_tag="fact")
    comment = services.comment_create(annotation=mine, author=alice, body="Why, @bob?")
    services.comment_create(annotation=mine, author=bob, body="Minutes.", parent=comment)
    services.comment_create(annotation=mine, author=bob, body="See @alice and @carol.")
    services.annotation_settle(annotation=mine, actor=carol, tag="fact", reason="Checked.")
    texts = sorted(Notification.objects.filter(user=alice).values_list("text", flat=True))
    assert texts == sorted(
        [
            "bob no está de acuerdo con su anotación «shameful waste» (propone Hecho).",
            "bob respondió a su comentario sobre «shameful waste».",
            "bob le mencionó en «shameful waste».",
            "carol resolvió «shameful waste» como Hecho: Checked.",
        ]
    )
    told_bob = Notification.objects.filter(user=bob).values_list("text", flat=True)
    assert "alice mentioned you on “shameful waste”." in told_bob
    told_carol = Notification.objects.filter(user=carol).values_list("text", flat=True)
    assert list(told_carol) == ["bob mentioned you on “shameful waste”."]


def test_the_history_page_gives_stored_reasons_in_the_readers_language(client, article, alice):
    """Change reasons are stored in English (part of the record); the page shows them
    in the reader's language, and the API keeps the stored words."""
    made = factories.annotate(article, alice, "shameful waste", "opinion")
    services.annotation_update(annotation=made, actor=alice, note="Changed.")
    first = made.history.order_by("history_id").first().history_id
    services.annotation_restore(annotation=made, actor=alice, revision=first)
    text = article.text.replace("bridge", "tunnel")
    services.article_revise(article=article, actor=alice, text=text, reason="Fixed.")
    client.force_login(alice)
    url = f"/articles/{article.slug}/history/"
    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert f"restaurada a la revisión {first}" in spanish
    assert "Anotaciones: 1 exactas, 0 movidas, 0 huérfanas." in spanish
    assert "restored to revision" not in spanish and "exact," not in spanish
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"restored to revision {first}" in english
    assert "Annotations: 1 exact, 0 moved, 0 orphaned." in english
