"""The production entry point (annotator/asgi.py) routes pages to Django's WSGI handler
and streams to its ASGI handler; both answer through the one ASGI application."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from annotator.asgi import application


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
