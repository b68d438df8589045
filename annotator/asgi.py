"""The production entry point (`make serve`): one ASGI application, run by uvicorn
workers under gunicorn.

Requests under STREAM_PREFIX (the live event streams) go to Django's ASGI handler, where
an idle connection costs a coroutine, not a thread. Every other request (pages, API,
static files) goes to Django's WSGI handler on a thread pool through a2wsgi: measured on
this machine (bench/README.md), pages and API ran about 1.8x faster that way than
through Django's ASGI handler, which adapts every sync middleware and view in turn.
"""

import contextvars
import functools
import os

from a2wsgi.wsgi import Body, WSGIMiddleware, WSGIResponder, build_environ
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application

from annotator.wsgi import require_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")

STREAM_PREFIX = "/stream/"
# A request body that declares at most this size is read before the hop to the thread
# pool, and a response is held back until it ends or grows past it.
HELD_BYTES = 64 * 1024


def _declared_length(scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class HeldResponder(WSGIResponder):
    """a2wsgi's responder with fewer hops between the event loop and the thread.

    a2wsgi's thread waits on the event loop for each piece of a request: the body, the
    status, every chunk and the end, four round trips for a create, each a handover of
    the GIL. Here a body that says it is at most HELD_BYTES long is read before the hop
    to the thread, and the status and chunks are held until the response ends or passes
    HELD_BYTES, so most requests cross to the thread once and back once. A larger body
    (an import) is still read only as the view asks for it, so a view that refuses it by
    its Content-Length (413) does so before the client sends it (`Expect:
    100-continue`); a longer response (an export) still streams chunk by chunk, with
    a2wsgi's back pressure. Measured (bench/README.md, "fourth sitting"): `/healthz`
    costs 1.0 ms of server CPU instead of 1.4, what gunicorn's sync workers spend on it.
    It reads a2wsgi's internals, so a2wsgi is pinned (pyproject.toml) and
    tests/test_serving.py drives it as uvicorn does.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.held: list[dict] | None = []  # None once the response streams
        self.held_size = 0

    def send(self, message) -> None:  # called in the thread
        if self.held is None:
            return super().send(message)
        self.held.append(message)
        self.held_size += len(message.get("body", b""))
        if self.held_size > HELD_BYTES and message.get("more_body", False):
            held, self.held = self.held, None
            for each in held:
                super().send(each)

    async def __call__(self, scope, receive, send) -> None:
        body = Body(self.loop, receive)
        length = _declared_length(scope)
        while body._has_more and length is not None and length <= HELD_BYTES:
            message = await receive()
            body.buffer.extend(message.get("body", b""))
            body._has_more = message.get("more_body", False)
        sender = self.loop.create_task(self.sender(send))
        try:
            run = functools.partial(contextvars.copy_context().run, self.wsgi)
            await self.loop.run_in_executor(
                self.executor, run, build_environ(scope, body), self.start_response
            )
            for message in self.held or ():
                await self.send_queue.put(message)
            await self.send_queue.put(None)
            await sender
            if self.exc_info is not None:
                raise self.exc_info[1].with_traceback(self.exc_info[2])
        finally:
            if not sender.done():
                sender.cancel()


class Pages(WSGIMiddleware):
    """a2wsgi's WSGIMiddleware answering through HeldResponder."""

    async def __call__(self, scope, receive, send) -> None:
        responder = HeldResponder(self.app, self.executor, self.send_queue_size)
        return await responder(scope, receive, send)


streams = get_asgi_application()
require_secret_key()
# Threads for pages and API in each process. More than a few only queue for the GIL:
# under 16 clients, 8 threads made a create cost 2.5x the floor's CPU and 4 made it
# 1.9x (bench/README.md, "Create and list, third sitting").
THREADS = int(os.environ.get("DJANGO_THREADS", "4"))
pages = Pages(get_wsgi_application(), workers=THREADS)


async def application(scope, receive, send):
    if scope["type"] == "http" and scope["path"].startswith(STREAM_PREFIX):
        return await streams(scope, receive, send)
    if scope["type"] == "lifespan":
        return await streams(scope, receive, send)
    return await pages(scope, receive, send)
