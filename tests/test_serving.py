"""The production entry point (annotator/asgi.py) routes pages to Django's WSGI handler
and streams to its ASGI handler; both answer through the one ASGI application."""

import asyncio

import httpx
import pytest

from annotator.asgi import application


def _get(path: str) -> httpx.Response:
    async def fetch():
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            return await client.get(path)

    return asyncio.run(fetch())


@pytest.mark.django_db(transaction=True)
def test_pages_are_served_through_the_one_asgi_application():
    response = _get("/")
    assert response.status_code == 302 and response.headers["location"].startswith(
        "/accounts/login/"
    )
    login = _get("/accounts/login/")
    assert login.status_code == 200 and 'name="password"' in login.text
