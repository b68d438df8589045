"""A reader whose server restarts shows that it is offline, reconnects by itself and
catches up on what was committed meanwhile. The app runs as a subprocess (the
production ASGI application under uvicorn), since pytest's live_server cannot be
restarted."""

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from playwright.sync_api import expect

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}"


class App:
    def __init__(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self):
        env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "DJANGO_DEBUG": "1",
            "DJANGO_SECURE_COOKIES": "0",
            "DJANGO_DB_POOL": "0",
        }
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and app
            [sys.executable, "-m", "uvicorn", "annotator.asgi:application",
             "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"],
            cwd=settings.BASE_DIR, env=env,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/accounts/login/", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("the app did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def app():
    running = App()
    yield running
    running.stop()


def test_a_reader_reconnects_after_the_server_restarts_and_catches_up(
    page, app, article, alice, bob
):
    app.start()
    # Signed in through a session in the shared database (the test's password hasher
    # is not one the app process knows).
    client = Client()
    client.force_login(alice)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": app.url}]
    )
    page.goto(f"{app.url}{article.get_absolute_url()}")
    status = page.locator("#live-status")
    expect(status).to_have_attribute("data-state", "live")

    app.stop()
    expect(status).to_have_attribute("data-state", "offline")
    expect(status).to_contain_text("Offline")
    # Bob tags a passage while Alice's server is down (through another server).
    made = factories.annotate(article, bob, "opened in 2019", "fact")
    app.start()
    expect(status).to_have_attribute("data-state", "live", timeout=15000)
    highlight = page.locator(f'[data-annotation-id="{made.pk}"]')
    expect(highlight).to_have_text("opened in 2019")
    expect(page.locator(f"#ann-{made.pk}")).to_contain_text("bob")
    app.stop()
