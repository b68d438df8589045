"""Load test: simulated editors against the production configuration on PostgreSQL.

    .venv/bin/python bench/editors_load.py [--editors 50] [--seconds 120] [--workers 2]

Recreates the database bench_editors on the local PostgreSQL (BENCH_PG, default
postgres://postgres@127.0.0.1:5432), loads the seed article and makes one account per
editor, serves the app exactly as `make serve` does (gunicorn, uvicorn workers,
annotator.asgi, the database connection pool) on 127.0.0.1:8146, and signs every editor
in through the sign-in form before the timed window. Then each editor, a thread with its
own session, for the whole window: reads the article (the reader page, 5 in 10 actions),
lists its annotations through the API (1 in 10), tags a passage (2 in 10) or comments on
an annotation (2 in 10), pausing 0.5-2 s between actions as a person does. Every answer
other than the expected one counts as an error (a 409 "already tagged" by someone else
is the app's right answer to two people choosing the same words and tag, and is
counted apart). Prints requests, errors, and p50/p95 per kind of action. Only
127.0.0.1 is ever contacted; every loop is bounded by the window.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_URL = f"{PG}/bench_editors"
PORT = 8146
PASSWORD = "editor-pass-2026"

SEED = f"""
import json
from django.contrib.auth import get_user_model
from articles import services
item = json.load(open("fixtures/seed_article.json"))[0]["fields"]
User = get_user_model()
first = None
for n in range({{editors}}):
    user = User.objects.create_user(f"editor{{n}}", password="{PASSWORD}")
    first = first or user
article = services.article_create(
    title=item["title"], text=item["text"], slug=item["slug"], created_by=first
)
print("SEEDED", article.slug)
"""


def env(workers: int) -> dict:
    return os.environ | {
        "DATABASE_URL": DB_URL,
        "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": str(workers),
    }


def setup(editors: int, workers: int) -> str:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS bench_editors WITH (FORCE)")
        conn.execute("CREATE DATABASE bench_editors")
    manage = [sys.executable, "manage.py"]
    for command in (
        ["migrate", "-v0"],
        ["createcachetable"],
        ["collectstatic", "--noinput", "-v0"],
    ):
        subprocess.run([*manage, *command], cwd=ROOT, env=env(workers), check=True)
    out = subprocess.run(
        [*manage, "shell", "-c", SEED.replace("{editors}", str(editors))],
        cwd=ROOT, env=env(workers), check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return out.split("SEEDED", 1)[1].split()[0]


def serve(workers: int) -> subprocess.Popen:
    # The command of `make serve`, after its collectstatic, migrate and createcachetable.
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "annotator.asgi:application",
         "-k", "uvicorn_worker.UvicornWorker", "--workers", str(workers), "--timeout", "30",
         "--keep-alive", "30", "--graceful-timeout", "10", "--no-control-socket",
         "--bind", f"127.0.0.1:{PORT}"],
        cwd=ROOT, env=env(workers),
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{PORT}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    server.terminate()
    raise SystemExit("The server did not start within 60 s.")


def sign_in(n: int) -> httpx.Client:
    client = httpx.Client(base_url=f"http://127.0.0.1:{PORT}", timeout=30)
    csrf = client.get("/accounts/login/").cookies["csrftoken"]
    response = client.post(
        "/accounts/login/",
        data={"username": f"editor{n}", "password": PASSWORD, "csrfmiddlewaretoken": csrf},
    )
    if response.status_code != 302:
        raise SystemExit(f"editor{n} could not sign in: {response.status_code}")
    client.headers["X-CSRFToken"] = client.cookies["csrftoken"]
    return client


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self.already_tagged = 0

    def add(self, kind: str, seconds: float, ok: bool, detail: str = ""):
        with self.lock:
            self.times.setdefault(kind, []).append(seconds)
            if not ok:
                self.errors.append(f"{kind}: {detail}")


def editor(client: httpx.Client, slug: str, words: list[tuple[int, int]], until: float,
           tally: Tally, rng: random.Random) -> None:  # fmt: skip
    mine: list[int] = []
    others: list[int] = []
    while time.monotonic() < until:
        roll = rng.random()
        started = time.perf_counter()
        try:
            if roll < 0.5:
                kind = "read the reader page"
                response = client.get(f"/articles/{slug}/")
                ok = response.status_code == 200 and "<html" in response.text
            elif roll < 0.6:
                kind = "list annotations (API)"
                response = client.get(f"/api/articles/{slug}/annotations/")
                ok = response.status_code == 200
                if ok:
                    others = [a["id"] for a in response.json()["results"]]
            elif roll < 0.8 or not (mine or others):
                kind = "tag a passage (API)"
                first = rng.randrange(len(words) - 4)
                start, end = words[first][0], words[first + rng.randrange(1, 4)][1]
                body = {
                    "start": start,
                    "end": end,
                    "tag": rng.choice(["fact", "opinion", "speculation"]),
                }
                response = client.post(f"/api/articles/{slug}/annotations/", json=body)
                ok = response.status_code in {201, 409}
                if response.status_code == 201:
                    mine.append(response.json()["id"])
                elif response.status_code == 409:
                    with tally.lock:
                        tally.already_tagged += 1
            else:
                kind = "comment (API)"
                target = rng.choice(others or mine)
                body = {"body": f"Is this right? {rng.randrange(10**6)}"}
                response = client.post(f"/api/annotations/{target}/comments/", json=body)
                ok = response.status_code == 201
            detail = f"{response.status_code} {response.text[:120]!r}"
        except httpx.HTTPError as error:
            ok, detail = False, repr(error)
        tally.add(kind, time.perf_counter() - started, ok, detail)
        time.sleep(rng.uniform(0.5, 2.0))


def ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--editors", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    print(f"setting up: {args.editors} editors, PostgreSQL, {args.workers} workers", flush=True)
    slug = setup(args.editors, args.workers)
    server = serve(args.workers)
    try:
        clients = [sign_in(n) for n in range(args.editors)]
        text = clients[0].get(f"/api/articles/{slug}/").json()["text"]
        words, start = [], None
        for index, char in enumerate(text + " "):
            if char.isalnum() and start is None:
                start = index
            elif not char.isalnum() and start is not None:
                words.append((start, index))
                start = None
        tally = Tally()
        until = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=editor, args=(c, slug, words, until, tally, random.Random(n)))
            for n, c in enumerate(clients)
        ]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(args.seconds + 60)
        elapsed = time.perf_counter() - began
        total = sum(len(v) for v in tally.times.values())
        print(
            f"{args.editors} editors, {elapsed:.0f} s, {args.workers} uvicorn workers, "
            f"{os.cpu_count()} CPUs: {total} requests ({total / elapsed:.1f}/s), "
            f"{len(tally.errors)} errors, {tally.already_tagged} already tagged (409)"
        )
        everything = [t for v in tally.times.values() for t in v]
        print(
            f"  all requests: p50 {ms(everything, 0.5):.0f} ms, p95 {ms(everything, 0.95):.0f} ms"
        )
        for kind, values in sorted(tally.times.items()):
            print(
                f"  {kind:26} {len(values):5}  p50 {ms(values, 0.5):6.0f} ms"
                f"  p95 {ms(values, 0.95):6.0f} ms"
            )
        for error in tally.errors[:10]:
            print("  error:", error)
        print(json.dumps({"errors": len(tally.errors), "requests": total}))
        for client in clients:
            client.close()
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
