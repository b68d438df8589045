"""Finding 2: the sign-in lockout and the /api/token/ limit hold across server
processes and restarts (counted in the database and the shared cache), per user name
and address, with a looser limit per address."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from django.urls import reverse

from tests import factories
from tests.faults.server import serve, usable_by_server

pytestmark = pytest.mark.django_db(transaction=True)


def _sign_in(base: str, username: str, password: str) -> int:
    # A new connection each time, so the tries spread over the worker processes.
    with httpx.Client(base_url=base, timeout=30) as client:
        page = client.get("/accounts/login/")
        csrf = page.cookies["csrftoken"]
        response = client.post(
            "/accounts/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": csrf},
            headers={"Referer": f"{base}/accounts/login/"},
        )
        return response.status_code


def test_four_workers_process_at_most_ten_failures_per_user_and_address(tags, alice, bob):
    from axes.models import AccessAttempt

    usable_by_server(alice, bob)
    with serve(workers=4) as base:
        with ThreadPoolExecutor(max_workers=4) as pool:
            codes = list(pool.map(lambda n: _sign_in(base, "alice", f"guess{n}"), range(40)))
        # 200: the password was checked and wrong. The tenth checked one answers 429.
        checked = codes.count(200)
        assert checked <= 9 + 3, codes  # at most one in flight per other worker
        assert codes.count(429) == 40 - checked
        # The real password is refused too while locked; another user is not.
        assert _sign_in(base, "alice", factories.PASSWORD) == 429
        assert _sign_in(base, "bob", factories.PASSWORD) == 302
    # A restart forgets nothing.
    with serve(workers=2) as base:
        assert _sign_in(base, "alice", factories.PASSWORD) == 429
    attempt = AccessAttempt.objects.get(username="alice")
    # Refused tries are not counted: the count is the failures that were processed.
    assert attempt.failures_since_start == checked + 1
    print(f"4 workers, 40 concurrent wrong passwords: {checked + 1} processed")


def test_token_tries_are_counted_across_processes(tags, alice, settings):
    rate = 20
    with serve(workers=4, DJANGO_TOKEN_RATE=f"{rate}/minute") as base:

        def attempt(n):
            with httpx.Client(base_url=base, timeout=30) as client:
                body = {"username": f"nobody{n}", "password": "guess"}
                return client.post("/api/token/", json=body).status_code

        with ThreadPoolExecutor(max_workers=4) as pool:
            codes = list(pool.map(attempt, range(60)))
    # Exactly the rate, though four processes answered at once.
    assert codes.count(400) == rate and codes.count(429) == 60 - rate, codes


def test_one_address_cannot_lock_out_everyone(client, settings, tags, alice, bob):
    """Many user names guessed from one address: that address stops at its looser limit;
    the limit per user name and address was never reached for anyone."""
    settings.SIGNIN_ADDRESS_FAILURES_ALLOWED = 15
    for n in range(15):
        response = client.post(reverse("login"), {"username": f"user{n}", "password": "x"})
        assert response.status_code == 200
    blocked = client.post(reverse("login"), {"username": "alice", "password": factories.PASSWORD})
    assert blocked.status_code == 429
    assert "Too many failed sign-ins from your address" in blocked.content.decode()
    # Another address signs alice in: nobody was locked out by name.
    other = client.post(
        reverse("login"),
        {"username": "alice", "password": factories.PASSWORD},
        REMOTE_ADDR="10.0.0.9",
    )
    assert other.status_code == 302


def test_the_api_token_endpoint_shares_the_lockout_and_answers_json(client, tags, alice):
    for n in range(9):
        response = client.post(
            "/api/token/", {"username": "alice", "password": f"g{n}"}, "application/json"
        )
        assert response.status_code == 400
    tenth = client.post("/api/token/", {"username": "alice", "password": "g"}, "application/json")
    assert tenth.status_code == 429
    locked = client.post(
        "/api/token/", {"username": "alice", "password": factories.PASSWORD}, "application/json"
    )
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out"
    assert "Too many failed sign-ins for this user name" in locked.json()["detail"]


def test_behind_a_proxy_each_forwarded_address_counts_apart(client, settings, tags, alice):
    settings.BEHIND_PROXY = True
    for n in range(10):
        client.post(
            reverse("login"),
            {"username": "alice", "password": f"g{n}"},
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
    locked = client.post(
        reverse("login"),
        {"username": "alice", "password": factories.PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.7",
    )
    assert locked.status_code == 429
    # Someone else behind the same proxy (same REMOTE_ADDR) signs alice in.
    other = client.post(
        reverse("login"),
        {"username": "alice", "password": factories.PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.2",
    )
    assert other.status_code == 302


def test_behind_a_proxy_a_forwarded_value_that_is_no_address_is_ignored(client, settings, alice):
    settings.BEHIND_PROXY = True
    response = client.post(
        reverse("login"),
        {"username": "alice", "password": "wrong"},
        HTTP_X_FORWARDED_FOR="not-an-address",
    )
    assert response.status_code == 200
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.get(username="alice").ip_address == "127.0.0.1"
