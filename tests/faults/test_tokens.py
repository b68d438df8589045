"""Finding 1: API tokens are hashed, expire when asked, and are revoked by a password
change (any path) and by their owner (DELETE /api/token/, the tokens page)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from annotator.models import ApiToken
from tests import factories


def _token(username="alice", password=factories.PASSWORD, **extra) -> dict:
    response = APIClient().post(
        "/api/token/", {"username": username, "password": password, **extra}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def _get(key: str, path="/api/articles/"):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api.get(path)


def test_a_password_change_revokes_every_token(alice):
    key = _token()["token"]
    assert _get(key).status_code == 200
    alice.set_password("a-new-password-456")
    alice.save()
    response = _get(key)
    assert response.status_code == 401 and response.json()["code"] == "authentication_failed"
    assert not ApiToken.objects.filter(user=alice).exists()  # removed when met
    assert _get(_token(password="a-new-password-456")["token"]).status_code == 200


def test_a_password_changed_with_the_command_revokes_tokens_too(alice, monkeypatch):
    key = _token()["token"]
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "another-pass-789")
    call_command("changepassword", "alice", stdout=open("/dev/null", "w"))
    assert _get(key).status_code == 401


def test_the_password_page_revokes_tokens(client, alice):
    key = _token()["token"]
    client.force_login(alice)
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": factories.PASSWORD,
            "new_password1": "brand-new-pass-2026",
            "new_password2": "brand-new-pass-2026",
        },
    )
    assert response.status_code == 302
    assert _get(key).status_code == 401


def test_delete_revokes_the_token_of_the_request_only(alice):
    first, second = _token()["token"], _token()["token"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert api.delete("/api/token/").status_code == 204
    assert _get(first).status_code == 401
    assert _get(second).status_code == 200


def test_delete_without_a_token_says_why(alice_client):
    response = alice_client.delete("/api/token/")
    assert response.status_code == 400
    assert response.json()["code"] == "no_token"
    assert "not signed with a token" in response.json()["detail"]


def test_delete_signed_out_is_401(db):
    assert APIClient().delete("/api/token/").status_code == 401


def test_an_expired_token_no_longer_works(alice):
    body = _token(expires_in_days=1)
    assert body["expires"] is not None
    token = ApiToken.objects.get(user=alice)
    token.expires = timezone.now() - timedelta(seconds=1)
    token.save()
    assert _get(body["token"]).status_code == 401


def test_the_default_expiry_comes_from_the_settings(alice, settings):
    settings.API_TOKEN_TTL_DAYS = 30
    body = _token()
    token = ApiToken.objects.get(user=alice)
    assert timedelta(days=29) < token.expires - timezone.now() <= timedelta(days=30)
    assert body["expires"]


def test_nothing_stored_can_be_used_as_a_token(alice):
    key = _token()["token"]
    stored = ApiToken.objects.get(user=alice)
    assert key not in {stored.digest, stored.password_fingerprint}
    assert _get(stored.digest).status_code == 401
    assert stored.prefix == key[:8]


def test_a_token_page_lists_my_tokens_only_and_revokes(client, alice, bob):
    _token()
    _token()
    _token("bob")
    client.force_login(alice)
    page = client.get("/account/tokens/")
    html = page.content.decode()
    mine = list(ApiToken.objects.filter(user=alice))
    assert page.status_code == 200 and "API tokens" in html
    assert all(t.prefix in html for t in mine)
    assert ApiToken.objects.get(user=bob).prefix not in html
    response = client.post("/account/tokens/", {"token": mine[0].pk}, follow=True)
    assert "Revoked the token" in response.content.decode()
    assert not ApiToken.objects.filter(pk=mine[0].pk).exists()
    # Someone else's token: 404, and it stays.
    bobs = ApiToken.objects.get(user=bob)
    assert client.post("/account/tokens/", {"token": bobs.pk}).status_code == 404
    assert ApiToken.objects.filter(pk=bobs.pk).exists()


def test_the_token_page_makes_a_token_shown_once(client, alice):
    client.force_login(alice)
    response = client.post("/account/tokens/", {"action": "create"})
    html = response.content.decode()
    assert "shown only once" in html
    token = ApiToken.objects.get(user=alice)
    key = html.split('<code class="token-key">')[1].split("</code>")[0]
    assert ApiToken.digest_of(key) == token.digest
    assert "shown only once" not in client.get("/account/tokens/").content.decode()


def test_the_token_page_needs_sign_in(client, db):
    response = client.get("/account/tokens/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_person_keeps_at_most_twenty_tokens(alice):
    from annotator.services import tokens

    keys = [tokens.token_create(user=alice)[1] for _ in range(tokens.TOKENS_PER_USER + 1)]
    assert ApiToken.objects.filter(user=alice).count() == tokens.TOKENS_PER_USER
    assert _get(keys[0]).status_code == 401  # the oldest went
    assert _get(keys[-1]).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_plain_tokens_from_before_are_hashed_by_the_migration(tags, alice):
    """A token DRF's authtoken stored in plain text keeps working, as a hash."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp, "
            "user_id integer)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, %s)", [key, timezone.now(), alice.pk]
        )
    try:
        executor = MigrationExecutor(connection)
        executor.migrate([("annotator", "0011_api_token")])
        executor = MigrationExecutor(connection)
        executor.migrate([("annotator", "0012_hash_existing_tokens")])
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM authtoken_token")
            assert cursor.fetchone()[0] == 0
        assert _get(key).status_code == 200
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE authtoken_token")
