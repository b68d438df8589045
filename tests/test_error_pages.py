"""Error pages look like the product and say what happened."""

import pytest
from django.test import Client
from django.urls import path

from annotator.urls import urlpatterns as app_urls


def _boom(request):
    raise RuntimeError("boom")


urlpatterns = [*app_urls, path("boom/", _boom)]


def test_not_found_is_a_product_page(alice_client):
    response = alice_client.get("/annotations/999999/edit/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Not found" in html and "Back to the articles" in html and "Claimmark" in html


def test_forbidden_says_why(client, article, alice, bob):
    from tests import factories

    a = factories.annotate(article, alice, "shameful waste", "opinion")
    client.force_login(bob)
    response = client.get(f"/annotations/{a.pk}/edit/")
    assert response.status_code == 403
    assert "Only the author can change this annotation." in response.content.decode()


@pytest.mark.urls("tests.test_error_pages")
def test_server_error_page_is_plain_and_honest(db, alice):
    client = Client(raise_request_exception=False)
    client.force_login(alice)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
