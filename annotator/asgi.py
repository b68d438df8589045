"""The production entry point (`make serve`): one ASGI application, run by uvicorn
workers under gunicorn.

Requests under STREAM_PREFIX (the live event streams) go to Django's ASGI handler, where
an idle connection costs a coroutine, not a thread. Every other request (pages, API,
static files) goes to Django's WSGI handler on a thread pool through a2wsgi: measured on
this machine (bench/README.md), pages and API ran about 1.8x faster that way than
through Django's ASGI handler, which adapts every sync middleware and view in turn.
"""

import os

from a2wsgi import WSGIMiddleware
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application

from annotator.wsgi import require_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")

STREAM_PREFIX = "/stream/"

streams = get_asgi_application()
require_secret_key()
# Threads for pages and API in each process. More than a few only queue for the GIL:
# under 16 clients, 8 threads made a create cost 2.5x the floor's CPU and 4 made it
# 1.9x (bench/README.md, "Create and list, third sitting").
THREADS = int(os.environ.get("DJANGO_THREADS", "4"))
pages = WSGIMiddleware(get_wsgi_application(), workers=THREADS)


async def application(scope, receive, send):
    if scope["type"] == "http" and scope["path"].startswith(STREAM_PREFIX):
        return await streams(scope, receive, send)
    if scope["type"] == "lifespan":
        return await streams(scope, receive, send)
    return await pages(scope, receive, send)
