"""Findings 7 and 8: htmx errors come back as fragments for the part that asked (in
DEBUG too), a signed-out htmx request sends the whole tab to sign-in, unknown API paths
are JSON 404s, If-Match compares strongly, and pages are not reused from a cache."""

import pytest
from rest_framework.test import APIClient

from annotator import services
from tests import factories

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_debug_pages_leave_out_the_script_that_swaps_the_whole_page(
    alice_client, article, settings
):
    settings.DEBUG = True
    html = alice_client.get(article.get_absolute_url()).content.decode()
    assert "htmx-2.min.js" in html
    assert "django-htmx.js" not in html


def test_a_signed_out_htmx_request_sends_the_tab_to_sign_in(client, article):
    response = client.get(
        f"{article.get_absolute_url()}?tag=fact",
        HTTP_HX_CURRENT_URL=f"http://testserver{article.get_absolute_url()}?tag=opinion",
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == (
        f"/accounts/login/?next={article.get_absolute_url()}%3Ftag%3Dopinion"
    )
    assert b"<html" not in response.content


def test_a_signed_out_htmx_request_from_another_site_is_sent_home(client, article):
    response = client.post(
        "/articles/the-bridge/annotations/",
        HTTP_HX_CURRENT_URL="https://evil.example/phish",
        **HTMX,
    )
    assert response["HX-Redirect"] == "/accounts/login/?next=/"


def test_without_htmx_signed_out_is_still_a_redirect(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 302 and "HX-Redirect" not in response


def test_saving_an_annotation_deleted_meanwhile_answers_a_fragment(alice_client, article, alice):
    a = factories.annotate(article, alice, "shameful waste", "opinion")
    services.annotation_delete(annotation=a, actor=alice)
    response = alice_client.post(
        f"/annotations/{a.pk}/edit/", {"tag": "fact", "note": "", "version": 1}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 404
    assert html.strip().startswith('<p class="form-error" role="alert">')
    assert "deleted" in html and "<html" not in html and "<header" not in html
    # Without htmx: the full page, as before.
    page = alice_client.post(f"/annotations/{a.pk}/edit/", {"tag": "fact", "version": 1})
    assert page.status_code == 404 and "<html" in page.content.decode()


def test_a_forbidden_htmx_request_answers_a_fragment_with_the_reason(client, article, alice, bob):
    a = factories.annotate(article, alice, "shameful waste", "opinion")
    client.force_login(bob)
    response = client.get(f"/annotations/{a.pk}/edit/", **HTMX)
    html = response.content.decode()
    assert response.status_code == 403
    assert "Only the author can change this annotation." in html and "<html" not in html


@pytest.mark.parametrize(
    "path", ["/api/nothing/", "/api/annotations/1/nothing/", "/api/articles/x/y/z/"]
)
def test_unknown_api_paths_are_json_404s(alice_client, path):
    response = alice_client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_unknown_api_paths_are_json_404s_in_debug_too(alice_client, settings):
    settings.DEBUG = True
    response = alice_client.get("/api/nothing/here/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_unknown_api_paths_are_json_404s_signed_out_too(client, db):
    response = client.get("/api/nothing/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_weak_etag_is_not_a_match(article, alice):
    a = factories.annotate(article, alice, "shameful waste", "opinion")
    api = APIClient()
    api.force_authenticate(alice)
    weak = api.patch(
        f"/api/annotations/{a.pk}/", {"note": "x"}, format="json", HTTP_IF_MATCH=f"W/{a.etag}"
    )
    assert weak.status_code == 412
    assert weak["ETag"] == a.etag
    strong = api.patch(
        f"/api/annotations/{a.pk}/", {"note": "x"}, format="json", HTTP_IF_MATCH=a.etag
    )
    assert strong.status_code == 200


@pytest.mark.parametrize("path", ["/", "/articles/the-bridge/", "/api/articles/", "/review/"])
def test_pages_and_api_answers_are_not_reused_without_asking(alice_client, article, path):
    response = alice_client.get(path)
    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"no-cache", "private"} <= directives


def test_the_sign_in_page_is_not_cached_either(client, db):
    directives = client.get("/accounts/login/")["Cache-Control"]
    assert "no-cache" in directives or "no-store" in directives


def test_healthz_is_open_and_says_what_answers(client, db, settings):
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "not configured"}


def test_healthz_checks_redis_when_configured(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/15"
    assert client.get("/healthz").json()["redis"] == "ok"
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["redis"] == "unavailable"
    assert response["Retry-After"] == "5"
