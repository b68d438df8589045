"""English and Spanish (issue 16): the catalogues are complete, every page renders in
both languages, the switcher and the preference choose the language, and times are
shown in the person's zone with the zone named."""

import re
from pathlib import Path

import polib
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotator.models import Preference
from tests import factories

LOCALE = Path(__file__).resolve().parents[2] / "locale"
ES = {"HTTP_ACCEPT_LANGUAGE": "es-ES,es;q=0.9"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.9"}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.mark.parametrize("name", ["django", "djangojs"])
def test_the_spanish_catalogues_have_nothing_untranslated_or_fuzzy(name):
    catalogue = polib.pofile(str(LOCALE / "es" / "LC_MESSAGES" / f"{name}.po"))
    assert len(catalogue) > 10
    assert not catalogue.metadata_is_fuzzy
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []
    for entry in catalogue.translated_entries():
        translations = (
            list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        )
        for text in translations:
            # Every value the English sentence names, the Spanish one names too.
            assert set(PLACEHOLDER.findall(entry.msgid)) <= set(PLACEHOLDER.findall(text))


def test_the_compiled_catalogues_are_up_to_date():
    for po in (LOCALE / "es" / "LC_MESSAGES").glob("*.po"):
        mo = po.with_suffix(".mo")
        assert mo.exists(), f"{mo.name} missing: run make install"
        assert mo.stat().st_mtime >= po.stat().st_mtime, f"{mo.name} is older than its .po"


def _pages(article, annotation, alice):
    slug = article.slug
    return [
        "/",
        f"/articles/{slug}/",
        f"/articles/{slug}/history/",
        f"/articles/{slug}/agreement/",
        f"/articles/{slug}/agreement/disagreements/",
        f"/articles/{slug}/edit/",
        f"/articles/{slug}/anchors/",
        f"/annotations/{annotation.pk}/thread/",
        f"/annotations/{annotation.pk}/edit/",
        f"/annotations/{annotation.pk}/anchor/",
        "/guidelines/",
        "/review/",
        "/review/?queue=disputes",
        "/agreement/",
        "/agreement/disagreements/",
        "/mentions/",
        "/notifications/",
        "/search/?q=waste",
        f"/people/{alice.username}/",
        "/import/",
        "/account/tokens/",
        "/account/preferences/",
        "/articles/new/",
        "/no-such-page/",
    ]


# English words of the header, the reader and its sidebar that must not be left over
# in a Spanish page (checked as whole text between tags).
ENGLISH_LEFTOVERS = [
    ">Articles<", ">Guidelines<", ">Review<", ">Notifications", ">Sign out<",
    ">API tokens<", ">Skip to content<", ">Discuss ", ">Tag this passage<",
    ">Annotations ", ">Fact<", ">Opinion<", ">Speculation<", ">Pending<",
]  # fmt: skip


@pytest.fixture
def world(alice_client, article, alice, bob):
    annotation = factories.annotate(article, alice, "shameful waste", "opinion")
    return _pages(article, annotation, alice)


def test_every_page_renders_in_spanish(alice_client, world):
    for url in world:
        response = alice_client.get(url, **ES)
        assert response.status_code in {200, 404}, url
        html = response.content.decode()
        assert '<html lang="es">' in html, url
        assert "Cerrar sesión" in html, url
        for english in ENGLISH_LEFTOVERS:
            assert english not in html, (url, english)


def test_every_page_renders_in_english(alice_client, world):
    for url in world:
        response = alice_client.get(url, **EN)
        assert response.status_code in {200, 404}, url
        html = response.content.decode()
        assert '<html lang="en">' in html, url
        assert "Sign out" in html and "Cerrar sesión" not in html, url


def test_the_reader_in_spanish_names_the_tags_in_spanish(alice_client, article, alice):
    factories.annotate(article, alice, "shameful waste", "opinion")
    html = alice_client.get(article.get_absolute_url(), **ES).content.decode()
    for label in ("Hecho", "Opinión", "Especulación", "Etiquetar este pasaje", "Debatir"):
        assert label in html
    assert "1 comentario" not in html and "0 comentarios" in html
    guidelines = alice_client.get("/guidelines/", **ES).content.decode()
    assert "Pautas de etiquetado" in guidelines
    assert "Se presenta como cierto" in guidelines  # the fact tag's Spanish description


def test_sign_in_page_follows_accept_language(client, db):
    html = client.get("/accounts/login/", **ES).content.decode()
    assert '<html lang="es">' in html and "Iniciar sesión" in html


def test_the_switcher_sets_the_language_and_remembers_it_for_the_person(client, alice, article):
    client.force_login(alice)
    response = client.post(
        "/account/language/", {"language": "es", "next": "/guidelines/"}, **EN
    )
    assert response.status_code == 302 and response["Location"] == "/guidelines/"
    assert response.cookies["django_language"].value == "es"
    assert Preference.objects.get(user=alice).language == "es"
    assert Preference.history.filter(user=alice).exists()
    # The browser still asks for English, but the person chose Spanish.
    assert "Pautas de etiquetado" in client.get("/guidelines/", **EN).content.decode()

    # Another browser: the preference is applied at sign-in.
    other = type(client)()
    other.force_login(alice)
    assert '<html lang="es">' in other.get("/", **EN).content.decode()


def test_the_switcher_refuses_an_unknown_language_with_a_sentence(alice_client, alice):
    response = alice_client.post("/account/language/", {"language": "xx"})
    assert response.status_code == 400
    assert "Choose one of the languages offered" in response.content.decode()
    assert not Preference.objects.filter(user=alice).exists()


def test_the_switcher_does_not_redirect_to_another_site(alice_client):
    response = alice_client.post(
        "/account/language/", {"language": "es", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_the_switcher_works_signed_out(client, db):
    response = client.post("/account/language/", {"language": "es", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert '<html lang="es">' in client.get("/accounts/login/").content.decode()


def test_header_has_the_switcher_as_a_form(alice_client):
    html = alice_client.get("/", **ES).content.decode()
    assert 'action="/account/language/"' in html
    assert 'name="language" value="en"' in html
    assert re.search(r'value="es"[^>]*aria-label="Español"[^>]*aria-pressed="true">ES<', html)


def test_preferences_page_saves_language_and_zone(alice_client, alice):
    response = alice_client.post(
        "/account/preferences/", {"language": "es", "time_zone": "Europe/Madrid"}
    )
    assert response.status_code == 302
    pref = Preference.objects.get(user=alice)
    assert (pref.language, pref.time_zone) == ("es", "Europe/Madrid")
    html = alice_client.get("/account/preferences/").content.decode()
    assert "Europe/Madrid" in html and "Preferencias guardadas." in html


def test_preferences_page_refuses_an_unknown_zone(alice_client, alice):
    response = alice_client.post(
        "/account/preferences/", {"language": "", "time_zone": "Mars/Olympus"}
    )
    assert response.status_code == 400
    assert "is not a time zone we know" in response.content.decode()
    assert not Preference.objects.filter(user=alice).exists()


def test_times_are_shown_in_the_chosen_zone_with_its_name(alice_client, article, alice):
    factories.annotate(article, alice, "shameful waste", "opinion")
    html = alice_client.get(article.get_absolute_url()).content.decode()
    assert re.search(r"\d\d:\d\d UTC</time>", html)
    assert '<meta name="time-zone" content="UTC">' in html
    alice_client.post("/account/preferences/", {"language": "", "time_zone": "Asia/Tokyo"})
    html = alice_client.get(article.get_absolute_url()).content.decode()
    assert re.search(r"\d\d:\d\d GMT\+9</time>", html)
    # Chosen: the page script leaves the server's times alone (static/js/tz.js).
    assert '<meta name="time-zone" content="Asia/Tokyo" data-chosen>' in html


def test_the_browser_zone_cookie_is_used_unless_the_person_chose_one(alice_client, article, alice):
    factories.annotate(article, alice, "shameful waste", "opinion")
    alice_client.cookies["tz"] = "America/Mexico_City"
    html = alice_client.get(article.get_absolute_url()).content.decode()
    assert "CST</time>" in html
    assert '<meta name="time-zone" content="America/Mexico_City">' in html
    alice_client.cookies["tz"] = "Not/AZone"
    assert "UTC</time>" in alice_client.get(article.get_absolute_url()).content.decode()


def test_service_sentences_are_translated(alice_client, article):
    phrase = "shameful waste"
    start = article.text.index(phrase)
    data = {"start": start, "end": start + len(phrase), "quote": phrase, "tag": "opinion"}
    response = alice_client.post(
        f"/articles/{article.slug}/annotations/",
        data | {"note": "n" * 2001},
        HTTP_ACCEPT="application/json",
        **ES,
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "La nota tiene 2\xa0001 caracteres; el límite es 2\xa0000."


def test_javascript_catalogue_is_spanish(alice_client):
    body = alice_client.get("/jsi18n/", **ES).content.decode()
    assert "Deshacer" in body and "En directo" in body


def test_the_language_costs_no_query(alice_client, article, alice):
    factories.annotate(article, alice, "shameful waste", "opinion")
    alice_client.post("/account/preferences/", {"language": "es", "time_zone": "Europe/Madrid"})

    def count(**headers):
        with CaptureQueriesContext(connection) as ctx:
            alice_client.get(article.get_absolute_url(), **headers)
        return len(ctx.captured_queries)

    spanish = count()
    Preference.objects.filter(user=alice).delete()
    alice_client.force_login(alice)
    assert count(**EN) == spanish


def test_api_refusals_are_translated(client, article, alice):
    annotation = factories.annotate(article, alice, "shameful waste", "opinion")
    client.force_login(alice)
    response = client.put(
        f"/api/annotations/{annotation.pk}/review/",
        '{"verdict": "agree"}',
        content_type="application/json",
        **ES,
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "No puede revisar su propia anotación."
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize(
    ("zone", "moment", "english", "spanish"),
    [
        ("UTC", (2026, 11, 28, 15, 5), "November 28, 2026, 15:05 UTC",
         "28 de noviembre de 2026, 15:05 UTC"),
        ("America/Mexico_City", (2026, 11, 28, 15, 5), "November 28, 2026, 09:05 CST",
         "28 de noviembre de 2026, 09:05 CST"),
        ("America/New_York", (2026, 7, 3, 9, 5), "July 3, 2026, 05:05 EDT",
         "3 de julio de 2026, 05:05 EDT"),
        ("Asia/Shanghai", (2026, 9, 1, 0, 0), "September 1, 2026, 08:00 GMT+8",
         "1 de septiembre de 2026, 08:00 GMT+8"),
        ("America/St_Johns", (2026, 1, 31, 23, 59), "January 31, 2026, 20:29 GMT-3:30",
         "31 de enero de 2026, 20:29 GMT-3:30"),
        ("Europe/London", (2026, 12, 1, 0, 0), "December 1, 2026, 00:00 GMT",
         "1 de diciembre de 2026, 00:00 GMT"),
    ],
)  # fmt: skip
def test_a_time_is_written_in_the_language_with_its_zone_named(zone, moment, english, spanish):
    from datetime import UTC, datetime

    from django.utils import timezone, translation

    from annotator.templatetags.when import when

    value = datetime(*moment, tzinfo=UTC)
    with timezone.override(zone):
        with translation.override("en"):
            assert when(value) == english
        with translation.override("es"):
            assert when(value) == spanish
