"""The event streams over real HTTP: the WSGI path (pytest's live_server, as runserver
serves them) and the ASGI path (the production application under uvicorn)."""

import json
import socket
import threading
import time

import httpx
import pytest
import uvicorn
from django.conf import settings

from annotator import live, services
from annotator.models import Event
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def _cookie(client, user) -> dict:
    client.force_login(user)
    return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}


class Stream:
    """Read Server-Sent Events frames from an open response, with a deadline."""

    def __init__(self, response):
        self.lines = response.iter_lines()
        self.frames = []

    def next_frame(self) -> dict:
        frame = {}
        for line in self.lines:
            if not line:
                if frame:
                    self.frames.append(frame)
                    return frame
                continue
            name, _, value = line.partition(": ")
            frame[name] = value
        raise AssertionError("the stream ended")

    def until(self, predicate, seconds: float = 10) -> dict:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            frame = self.next_frame()
            if predicate(frame):
                return frame
        raise AssertionError(f"no such frame within {seconds} s: {self.frames}")


def _data(frame) -> dict:
    return json.loads(frame["data"])


def _names(frame) -> list[str]:
    return [r["username"] for r in _data(frame)["readers"]]


def test_anonymous_gets_a_plain_401_not_a_redirect(live_server, article):
    response = httpx.get(f"{live_server.url}/stream/articles/{article.slug}/")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/plain")
    assert "Sign in" in response.text
    assert httpx.get(f"{live_server.url}/stream/me/").status_code == 401


def test_a_bad_last_event_id_is_a_400_with_a_sentence(live_server, client, article, alice):
    cookies = _cookie(client, alice)
    for headers in ({"Last-Event-ID": "abc"}, {"Last-Event-ID": "-4"}):
        response = httpx.get(
            f"{live_server.url}/stream/articles/{article.slug}/", headers=headers, cookies=cookies
        )
        assert response.status_code == 400
        assert "whole number" in response.text
    missing = httpx.get(f"{live_server.url}/stream/articles/nope/", cookies=cookies)
    assert missing.status_code == 404


def _follow(url, cookies, headers=None):
    return httpx.stream(
        "GET", url, cookies=cookies, headers=headers or {}, timeout=httpx.Timeout(20)
    )


def _check_live_delivery_and_resume(base_url, client, article, alice, bob):
    cookies = _cookie(client, alice)
    url = f"{base_url}/stream/articles/{article.slug}/?since={live.latest_event_id()}"
    with _follow(url, cookies) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache, no-store"
        stream = Stream(response)
        assert stream.next_frame() == {"retry": "2000"}
        hello = _data(stream.until(lambda f: f.get("event") == "hello"))
        assert hello["unread"] == 0 and {"username": "alice", "name": "alice"} in hello["readers"]
        made = factories.annotate(article, bob, "shameful waste", "opinion")
        frame = stream.until(lambda f: "id" in f)
        event = Event.objects.get(kind="annotation.created")
        assert frame["id"] == str(event.pk)
        body = _data(frame)
        assert (body["kind"], body["actor"], body["data"]["id"], body["data"]["quote"]) == (
            "annotation.created",
            "bob",
            made.pk,
            "shameful waste",
        )
        # A reply mentioning Alice: the thread's count, and her badge.
        services.comment_create(annotation=made, author=bob, body="@alice look")
        comment = _data(stream.until(lambda f: "id" in f))
        assert comment["kind"] == "comment.created" and comment["data"]["comments"] == 1
        assert _data(stream.until(lambda f: f.get("event") == "badge")) == {"unread": 1}
    # Reconnecting with the id it saw, the reader gets only what came after.
    services.annotation_update(annotation=made, actor=bob, version=1, note="later")
    with _follow(f"{base_url}/stream/articles/{article.slug}/", cookies,
                 {"Last-Event-ID": frame["id"]}) as response:  # fmt: skip
        stream = Stream(response)
        kinds = [_data(stream.until(lambda f: "id" in f))["kind"] for _ in range(2)]
        assert kinds == ["comment.created", "annotation.changed"]


def test_wsgi_stream_delivers_committed_changes_and_resumes(
    live_server, client, article, alice, bob
):
    _check_live_delivery_and_resume(live_server.url, client, article, alice, bob)


@pytest.fixture
def asgi_server():
    """The production ASGI application (annotator.asgi) under uvicorn, in this process."""
    from annotator.asgi import application

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning",
                       lifespan="off")
    )  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_asgi_stream_delivers_committed_changes_and_resumes(
    asgi_server, client, article, alice, bob
):
    _check_live_delivery_and_resume(asgi_server, client, article, alice, bob)


def test_asgi_stream_ends_its_subscription_when_the_client_goes(
    asgi_server, client, article, alice
):
    cookies = _cookie(client, alice)
    hub = live.hub()
    with _follow(f"{asgi_server}/stream/articles/{article.slug}/", cookies) as response:
        # Kept in a name: a dropped iterator would close the response at once.
        stream = Stream(response)
        stream.until(lambda f: f.get("event") == "hello")
        assert [s.reader.username for s in hub.subscribers(article.pk)] == ["alice"]
    deadline = time.monotonic() + 5
    while hub.subscribers(article.pk) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert hub.subscribers(article.pk) == []


def test_presence_shows_who_else_reads_and_typing(
    live_server, client, article, alice, bob, monkeypatch
):
    from django.test import Client

    # A WSGI stream notices a closed connection when it next writes: write often.
    monkeypatch.setattr(live, "HEARTBEAT_SECONDS", 0.5)
    alice_cookies = _cookie(Client(), alice)
    bob_cookies = _cookie(client, bob)
    a = factories.annotate(article, alice, "shameful waste", "opinion")
    url = f"{live_server.url}/stream/articles/{article.slug}/"
    with _follow(url, alice_cookies) as mine:
        stream = Stream(mine)
        stream.until(lambda f: f.get("event") == "hello")
        with _follow(url, bob_cookies) as theirs:
            bobs = Stream(theirs)
            bobs.until(lambda f: f.get("event") == "hello")
            stream.until(lambda f: f.get("event") == "presence" and _names(f) == ["alice", "bob"])
            typing = client.post(f"/articles/{article.slug}/presence/", {"typing": a.pk})
            assert typing.status_code == 204
            assert _data(stream.until(lambda f: f.get("event") == "typing")) == {
                "username": "bob",
                "name": "bob",
                "annotation": a.pk,
            }
            bad = client.post(f"/articles/{article.slug}/presence/", {"typing": "x"})
            assert bad.status_code == 400 and "annotation id" in bad.json()["detail"]
        # Bob's stream closed: he is gone (a WSGI thread notices at its next write).
        stream.until(lambda f: f.get("event") == "presence" and _names(f) == ["alice"], 30)
