import os

# Playwright's sync API keeps an event loop in the main thread; Django would otherwise
# refuse database access while creating the test database.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest  # noqa: E402
from django.conf import settings as django_settings  # noqa: E402
from django.core.cache import cache  # noqa: E402

# Serving in production mode (annotator/asgi.py) needs a given secret key: the tests
# give the one they run with, so app processes they start read their sessions.
os.environ.setdefault("DJANGO_SECRET_KEY", django_settings.SECRET_KEY)

from tests import factories  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

# A saved highlight appears once the server confirms it; on a busy 2-core machine that
# can take longer than Playwright's default 5 s.
from playwright.sync_api import expect  # noqa: E402

expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """A test database of this run's own, so two runs in one checkout never share one
    (each creates and drops it; the SQLite file is removed at the end)."""
    from django.conf import settings

    for db in settings.DATABASES.values():
        test = db.setdefault("TEST", {})
        if db["ENGINE"] == "django.db.backends.sqlite3":
            test["NAME"] = str(settings.BASE_DIR / f".test-db-{os.getpid()}.sqlite3")
        else:
            test["NAME"] = f"{test.get('NAME') or 'test_' + db['NAME']}_{os.getpid()}"


@pytest.fixture(scope="session", autouse=True)
def _cache_table(django_db_setup, django_db_blocker):
    """The database cache's table (settings.CACHES without REDIS_URL), as `make setup`
    makes it."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)
    yield
    # Last, before the test database is dropped: a connection some thread left checked
    # out of the pool would keep PostgreSQL from dropping it (and leave it behind).
    from django.db import connection

    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


@pytest.fixture(scope="session", autouse=True)
def _live_hub(django_db_setup, django_db_blocker):
    """Stop the live hub (its streams and its LISTEN connection) before the test
    database is dropped, which PostgreSQL refuses while a connection is open."""
    yield
    from annotator import live

    live.shutdown()


@pytest.fixture(autouse=True)
def _test_settings(request, settings, _cache_table, django_db_blocker):
    # Fast hashing; static files without collectstatic; cookies over plain http.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # Throttling counts in the cache (a database table); each test that can reach the
    # database starts with none used. Others open no connection (one left open would
    # keep the test database from being dropped at the end).
    uses_db = {"db", "transactional_db"} & set(request.fixturenames)
    if uses_db or request.node.get_closest_marker("django_db"):
        with django_db_blocker.unblock():
            cache.clear()


@pytest.fixture
def tags(db):
    return factories.ensure_default_tags()


@pytest.fixture
def alice(db):
    return factories.make_user("alice")


@pytest.fixture
def bob(db):
    return factories.make_user("bob")


@pytest.fixture
def carol(db):
    return factories.make_user("carol")


@pytest.fixture
def article(db, tags, alice):
    return factories.make_article(created_by=alice)


@pytest.fixture
def seed_article(db, tags):
    return factories.load_seed_article()


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


# Browser tests -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def sign_in(live_server, page):
    """Sign `user` in through the login form, as a person would, and return the page."""

    def _sign_in(user, password=factories.PASSWORD, target_page=None):
        p = target_page or page
        p.goto(f"{live_server.url}/accounts/login/")
        p.fill("#id_username", user.username)
        p.fill("#id_password", password)
        p.click("main button[type=submit]")
        p.wait_for_url(f"{live_server.url}/")
        return p

    return _sign_in


@pytest.fixture
def console_errors(page):
    """Console errors and page exceptions seen while the test ran."""
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


@pytest.fixture(autouse=True)
def _default_language_and_zone_after_each_test():
    """A request in Spanish leaves Spanish active in this thread (LocaleMiddleware and
    PersonLocaleMiddleware activate; nothing deactivates): the next test would read
    its messages in Spanish. Each test starts in the defaults."""
    yield
    from django.utils import timezone, translation

    translation.deactivate()
    timezone.deactivate()


@pytest.fixture
def http(live_server, alice, tags):
    """Real HTTP to the API on live_server, signed in as alice with a token from
    POST /api/token/, as a client would."""
    import httpx

    from tests import factories

    with httpx.Client(base_url=f"{live_server.url}/api", timeout=10) as client:
        token = client.post(
            "/token/", json={"username": "alice", "password": factories.PASSWORD}
        ).json()["token"]
        client.headers["Authorization"] = f"Token {token}"
        yield client
