"""The production entry point (annotator/asgi.py) routes pages to Django's WSGI handler
and streams to its ASGI handler; both answer through the one ASGI application."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import httpx
import pytest
from django.test import Client

from annotator import formats
from annotator.asgi import HELD_BYTES, application
from annotator.models import Annotation
from tests import factories


def _get(path: str) -> httpx.Response:
    async def fetch():
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            return await client.get(path)

    # In a thread of its own: after the browser tests, Playwright's sync API keeps an
    # event loop running in the main thread, where asyncio.run() refuses to start.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, fetch()).result()


@pytest.mark.django_db(transaction=True)
def test_pages_are_served_through_the_one_asgi_application():
    response = _get("/")
    assert response.status_code == 302 and response.headers["location"].startswith(
        "/accounts/login/"
    )
    login = _get("/accounts/login/")
    assert login.status_code == 200 and 'name="password"' in login.text


def _asgi(method: str, path: str, *, body: bytes = b"", token: str = "", piece: int = 1000):
    """Drive the ASGI application as uvicorn does: the body in messages of `piece` bytes,
    then `http.disconnect` only once the response has ended (so a server that waits for
    more body than was sent hangs, and the 10 s limit fails the test). Returns the
    status, the body, the number of body messages sent and of request messages read."""
    path, _, query = path.partition("?")
    headers = [(b"host", b"localhost"), (b"content-length", str(len(body)).encode())]
    if token:
        headers.append((b"authorization", f"Token {token}".encode()))
    if body:
        headers.append((b"content-type", b"application/json"))
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
        "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
        "query_string": query.encode(), "root_path": "", "headers": headers,
        "client": ("127.0.0.1", 50000), "server": ("localhost", 80),
    }  # fmt: skip

    async def call():
        pieces = [body[i : i + piece] for i in range(0, len(body), piece)] or [b""]
        incoming = [
            {"type": "http.request", "body": each, "more_body": n < len(pieces) - 1}
            for n, each in enumerate(pieces)
        ]
        ended, sent, reads = asyncio.Event(), [], []

        async def receive():
            if incoming:
                reads.append(incoming[0])
                return incoming.pop(0)
            await ended.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                ended.set()

        await asyncio.wait_for(application(scope, receive, send), 10)
        return sent, len(reads)

    with ThreadPoolExecutor(max_workers=1) as pool:
        sent, reads = pool.submit(asyncio.run, call()).result()
    chunks = [m["body"] for m in sent if m["type"] == "http.response.body" and m["body"]]
    return SimpleNamespace(
        status=sent[0]["status"], content=b"".join(chunks), pieces=len(chunks), reads=reads
    )


@pytest.mark.django_db(transaction=True)
def test_an_api_create_reads_its_body_in_pieces_and_answers(article, alice):
    body = json.dumps({"start": 0, "end": 9, "tag": "fact", "note": "x" * 1900}).encode()
    answer = _asgi(
        "POST", f"/api/articles/{article.slug}/annotations/", body=body,
        token=factories.make_token(alice), piece=500,
    )  # fmt: skip
    assert answer.status == 201, answer.content
    assert json.loads(answer.content)["quote"] == "Officials"
    assert Annotation.objects.get().note == "x" * 1900


@pytest.mark.django_db(transaction=True)
def test_a_body_larger_than_what_is_read_ahead_is_read_by_the_view(article, alice):
    """An import file past HELD_BYTES: the view reads it from the thread."""
    annotations = factories.annotate_many(article, alice, 150)
    data = "".join(formats.export_stream("w3c", formats.export_queryset(), base_url="http://x"))
    Annotation.objects.all().delete()
    assert len(data) > HELD_BYTES
    answer = _asgi(
        "POST", "/api/import/?format=w3c", body=data.encode(), token=factories.make_token(alice)
    )
    assert answer.status == 201, answer.content
    assert json.loads(answer.content)["created"] == len(annotations)
    assert Annotation.objects.count() == len(annotations)


@pytest.mark.django_db(transaction=True)
def test_an_oversize_body_is_refused_before_it_is_read(article, alice):
    """Past the API's 1 MB the view answers 413 from Content-Length alone: nothing of
    the body is read, so a client that sent `Expect: 100-continue` never sends it."""
    body = json.dumps({"start": 0, "end": 9, "tag": "fact", "note": "x" * 1_200_000})
    answer = _asgi(
        "POST", f"/api/articles/{article.slug}/annotations/", body=body.encode(),
        token=factories.make_token(alice), piece=65536,
    )  # fmt: skip
    assert answer.status == 413, answer.content
    assert json.loads(answer.content)["detail"]
    assert answer.reads == 0
    assert not Annotation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_export_longer_than_what_is_held_back_streams_in_pieces(article, alice):
    factories.annotate_many(article, alice, 150)
    token = factories.make_token(alice)
    answer = _asgi("GET", "/api/export/?format=w3c", token=token)
    client = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_HOST="localhost")
    expected = client.get("/api/export/?format=w3c")
    assert answer.status == 200 and len(answer.content) > HELD_BYTES
    assert answer.content == b"".join(expected.streaming_content)
    # Streamed as it is written, not gathered whole first: memory stays flat however
    # large the export (bench/speed.py export measures 100,000).
    assert answer.pieces > 1
