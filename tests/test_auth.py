"""Every page requires sign-in; signing in and out works."""

import pytest
from django.urls import reverse

from tests import factories

PAGES = [
    "/",
    "/articles/the-bridge/",
    "/guidelines/",
    "/articles/new/",
    "/articles/the-bridge/history/",
]
POSTS = [
    "/articles/the-bridge/annotations/",
    "/annotations/1/edit/",
    "/annotations/1/delete/",
]


@pytest.mark.parametrize("url", PAGES)
def test_signed_out_visitor_is_sent_to_sign_in(client, article, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("url", POSTS)
def test_signed_out_writes_are_refused_and_write_nothing(client, article, url):
    from annotator.models import Annotation

    response = client.post(url, {"start": 0, "end": 5, "tag": "fact", "version": 1})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Annotation.objects.exists()


def test_admin_requires_sign_in(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_login_page_is_open(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Sign in" in response.content


def test_sign_in_then_read_then_sign_out(client, seed_article, alice):
    response = client.post(
        reverse("login"), {"username": "alice", "password": factories.PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    assert b"The Situation in Mexico" in response.content
    page = client.get(seed_article.get_absolute_url())
    html = page.content.decode()
    assert "Will the Peruvian government invade the Mexican embassy?" in html
    assert "continues to enjoy very high popularity" in html  # the last section
    assert html.count('class="section-break"') == 2
    assert "alice" in html
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_shows_an_error(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "didn't match" in response.content.decode()


def test_password_guessing_is_refused_after_ten_failures(client, alice, bob):
    for _ in range(9):
        response = client.post(reverse("login"), {"username": "alice", "password": "guess"})
        assert response.status_code == 200
    # The tenth failure is processed (and fails), then the pair is locked out.
    tenth = client.post(reverse("login"), {"username": "alice", "password": "guess"})
    assert tenth.status_code == 429
    blocked = client.post(reverse("login"), {"username": "alice", "password": factories.PASSWORD})
    assert blocked.status_code == 429
    html = blocked.content.decode()
    assert "Too many failed sign-ins for this user name. Wait 15 minutes" in html
    assert 'value="alice"' in html and blocked["Retry-After"] == "900"
    assert "_auth_user_id" not in client.session
    # Another user name from the same address still signs in.
    ok = client.post(reverse("login"), {"username": "bob", "password": factories.PASSWORD})
    assert ok.status_code == 302


def test_a_successful_sign_in_clears_the_failures(client, alice):
    for _ in range(9):
        client.post(reverse("login"), {"username": "alice", "password": "guess"})
    assert (
        client.post(
            reverse("login"), {"username": "alice", "password": factories.PASSWORD}
        ).status_code
        == 302
    )
    client.logout()
    for _ in range(9):
        assert (
            client.post(reverse("login"), {"username": "alice", "password": "guess"}).status_code
            == 200
        )
