"""The live reader under the production server: what a person waits for, and what idle
streams cost.

Run: .venv/bin/python bench/live_reader.py [--port 8110] [--idle 200] [--creates 50]

It makes the PostgreSQL database `bench_live` on 127.0.0.1:5432 with a 50,000-character
article holding 2,000 annotations (10 authors, verdicts on half, comments on a
quarter), serves it as `make serve` does (gunicorn, 2 uvicorn workers,
annotator.asgi, psycopg pool), and measures in Chromium and over HTTP:

1. DOMContentLoaded of the reader (median of 10 loads).
2. Press f on a selected word -> the highlight the server confirmed is in the DOM
   (a <mark data-annotation-id> with the new id), median and p95 of 20 presses; also
   when the optimistic (pending) highlight appeared.
3. Another person's new annotation -> visible on an open reader: 50 creates through
   the API (new connections, so both worker processes take them), from just before
   each POST is sent to the moment a MutationObserver on the reader sees the element;
   median and p95.
4. 200 idle event-stream connections (plain HTTP clients): CPU of the server processes
   over 60 s from /proc/<pid>/stat, and their RSS before opening and with them open.
"""

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DB_URL = f"{PG}/bench_live"
PASSWORD = "bench-pass-2026"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def seed() -> None:
    """Run in a child process with DATABASE_URL set: the article and its annotations."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from simple_history.utils import bulk_create_with_history

    from annotator.models import Annotation, Comment, Review, Tag
    from annotator.services.tokens import token_create
    from articles.models import Article
    from bench.reader_page import make_text

    call_command("migrate", verbosity=0)
    rng = random.Random(7)
    User = get_user_model()
    authors = []
    for i in range(10):
        user = User(username=f"author{i}")
        user.set_password(PASSWORD)
        user.save()
        authors.append(user)
    text = make_text(rng)
    article = Article.objects.create(slug="bench", title="Bench", text=text)
    tags = list(Tag.objects.all())
    rows = []
    for _ in range(2000):
        start = rng.randrange(0, len(text) - 200)
        end = start + rng.randint(5, 180)
        rows.append(
            Annotation(
                article=article, author=rng.choice(authors), tag=rng.choice(tags),
                start=start, end=end, quote=text[start:end],
                prefix=text[max(0, start - 32) : start], suffix=text[end : end + 32],
            )
        )  # fmt: skip
    bulk_create_with_history(rows, Annotation, batch_size=500)
    made = list(Annotation.objects.filter(article=article))
    reviews = [
        Review(
            annotation=a,
            reviewer=rng.choice([u for u in authors if u.pk != a.author_id]),
            verdict=rng.choice(["agree", "agree", "disagree"]),
        )
        for a in rng.sample(made, 1000)
    ]
    comments = [
        Comment(annotation=a, author=rng.choice(authors), body="Why this tag?")
        for a in rng.sample(made, 500)
    ]
    bulk_create_with_history(reviews, Review, batch_size=500)
    bulk_create_with_history(comments, Comment, batch_size=500)
    print(token_create(user=authors[1])[1])


def make_database() -> str:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS bench_live WITH (FORCE)")
        conn.execute("CREATE DATABASE bench_live")
    env = {**os.environ, "DATABASE_URL": DB_URL}
    out = subprocess.run(
        [sys.executable, __file__, "--seed"], env=env, check=True, capture_output=True, text=True
    )
    return out.stdout.strip().splitlines()[-1]


def serve(port: int):
    env = {
        **os.environ,
        "DATABASE_URL": DB_URL,
        "DJANGO_SECRET_KEY": "bench-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": "2",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "annotator.asgi:application",
         "-k", "uvicorn_worker.UvicornWorker", "--workers", "2", "--timeout", "30",
         "--graceful-timeout", "5", "--no-control-socket", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    import httpx

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/accounts/login/").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    return server


def processes(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [master, *map(int, children)]


def cpu_ticks(pids) -> int:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


def rss_kb(pids) -> int:
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


OBSERVER = """() => {
  window.__seen = {}; window.__pending = [];
  new MutationObserver((records) => {
    const now = Date.now(), perf = performance.now();
    for (const r of records) for (const n of r.addedNodes) {
      if (n.nodeType !== 1) continue;
      const all = [n, ...n.querySelectorAll('[data-annotation-id], [data-pending]')];
      for (const el of all) {
        if (el.dataset && el.dataset.annotationId && !(el.dataset.annotationId in window.__seen))
          window.__seen[el.dataset.annotationId] = {now, perf};
        if (el.dataset && 'pending' in el.dataset) window.__pending.push(perf);
      }
    }
  }).observe(document.getElementById('article-text'), {childList: true, subtree: true});
}"""


def browser_figures(base: str, token: str, creates: int, dcl_only: bool = False) -> dict:
    import httpx
    from playwright.sync_api import sync_playwright

    figures = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", "author0")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        url = f"{base}/articles/bench/"
        dcl = []
        for _ in range(10):
            page.goto(url)
            dcl.append(
                page.evaluate(
                    "() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
                )
            )
        figures["dcl"] = dcl
        if dcl_only:
            browser.close()
            return figures
        page.wait_for_selector("#live-status[data-state=live]")

        # Press f on a selected word (keyboard selection), 20 times on different words.
        page.evaluate(OBSERVER)
        page.locator("#article-text").focus()
        presses = []
        pending = []
        for i in range(20):
            for _ in range(3 if i else 1):
                page.keyboard.press("ArrowRight")
            page.wait_for_selector("#picker:not([hidden])")
            before = set(page.evaluate("() => Object.keys(window.__seen)"))
            page.evaluate("() => { window.__pending = []; }")
            page.evaluate(
                "() => { window.__t0 = null; document.addEventListener('keydown', "
                "() => { window.__t0 = performance.now(); }, {once: true, capture: true}); }"
            )
            page.keyboard.press("f")
            page.wait_for_function(
                "(before) => Object.keys(window.__seen)"
                ".some(k => Number(k) > 0 && !before.includes(k))",
                arg=list(before),
            )
            new = [k for k in page.evaluate("() => Object.keys(window.__seen)") if k not in before]
            seen = page.evaluate("(k) => window.__seen[k].perf", new[0])
            t0 = page.evaluate("() => window.__t0")
            presses.append(seen - t0)
            first_pending = page.evaluate("() => window.__pending[0]")
            if first_pending is not None:
                pending.append(first_pending - t0)
            page.wait_for_selector("#picker", state="hidden")
        figures["press"] = presses
        figures["pending"] = pending

        # Another person's annotations, through the API, seen on this open page.
        page.goto(url)
        page.wait_for_selector("#live-status[data-state=live]")
        page.evaluate(OBSERVER)
        text_len = page.evaluate(
            "() => { const p = document.querySelector('#article-text > p:last-of-type');"
            " return Number(p.dataset.start) + Array.from(p.textContent).length; }"
        )
        rng = random.Random(11)
        sent = {}
        for _ in range(creates):
            start = rng.randrange(0, text_len - 50)
            t_send = time.time() * 1000
            r = httpx.post(
                f"{base}/api/articles/bench/annotations/",
                json={"start": start, "end": start + rng.randint(3, 40), "tag": "opinion"},
                headers={"Authorization": f"Token {token}", "Connection": "close"},
            )
            if r.status_code == 201:
                sent[str(r.json()["id"])] = t_send
            time.sleep(0.1)
        page.wait_for_function(
            "(ids) => ids.every(k => k in window.__seen)", arg=list(sent), timeout=15000
        )
        seen = page.evaluate("() => window.__seen")
        figures["other"] = [seen[k]["now"] - t for k, t in sent.items()]
        browser.close()
    return figures


async def idle_streams(base: str, cookie: str, count: int, seconds: int, pids) -> dict:
    import httpx

    rss_before = rss_kb(pids)
    limits = httpx.Limits(max_connections=count + 10, max_keepalive_connections=0)
    async with httpx.AsyncClient(
        base_url=base,
        cookies={"sessionid": cookie},
        timeout=None,  # noqa: S113 - idle streams wait for as long as the bench runs
        limits=limits,
    ) as client:
        ready = asyncio.Event()
        opened = 0

        async def one():
            nonlocal opened
            async with client.stream("GET", "/stream/articles/bench/") as r:
                async for line in r.aiter_lines():
                    if line.startswith("event: hello"):
                        opened += 1
                        if opened == count:
                            ready.set()

        tasks = [asyncio.create_task(one()) for _ in range(count)]
        await asyncio.wait_for(ready.wait(), 60)
        await asyncio.sleep(3)
        ticks0, t0 = cpu_ticks(pids), time.monotonic()
        await asyncio.sleep(seconds)
        ticks1, t1 = cpu_ticks(pids), time.monotonic()
        rss_open = rss_kb(pids)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    hz = os.sysconf("SC_CLK_TCK")
    return {
        "cpu_percent_of_one_core": (ticks1 - ticks0) / hz / (t1 - t0) * 100,
        "rss_before_mb": rss_before / 1024,
        "rss_open_mb": rss_open / 1024,
        "opened": opened,
    }


def login_cookie(base: str) -> str:
    import httpx

    with httpx.Client(base_url=base) as client:
        client.get("/accounts/login/")
        csrf = client.cookies["csrftoken"]
        client.post(
            "/accounts/login/",
            data={"username": "author0", "password": PASSWORD, "csrfmiddlewaretoken": csrf},
            headers={"Referer": f"{base}/accounts/login/"},
        )
        return client.cookies["sessionid"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8110)
    parser.add_argument("--idle", type=int, default=200)
    parser.add_argument("--idle-seconds", type=int, default=60)
    parser.add_argument("--creates", type=int, default=50)
    parser.add_argument(
        "--dcl-only",
        action="store_true",
        help="Only the page load (works on a checkout from before the live reader too).",
    )
    args = parser.parse_args()
    base = f"http://127.0.0.1:{args.port}"
    token = make_database()
    server = serve(args.port)
    try:
        figures = browser_figures(base, token, args.creates, args.dcl_only)
        med = statistics.median
        print(f"DOMContentLoaded at 2,000: median {med(figures['dcl']):.0f} ms "
              f"(min {min(figures['dcl']):.0f}, max {max(figures['dcl']):.0f})")  # fmt: skip
        if args.dcl_only:
            return
        print(f"press f -> confirmed highlight: median {med(figures['press']):.0f} ms, "
              f"p95 {pct(figures['press'], 95):.0f} ms (n={len(figures['press'])}); pending "
              f"paint median {med(figures['pending']):.0f} ms")  # fmt: skip
        print(f"another person's annotation visible: median {med(figures['other']):.0f} ms, "
              f"p95 {pct(figures['other'], 95):.0f} ms, max {max(figures['other']):.0f} ms "
              f"(n={len(figures['other'])})")  # fmt: skip
        pids = processes(server.pid)
        idle = asyncio.run(
            idle_streams(base, login_cookie(base), args.idle, args.idle_seconds, pids)
        )
        print(
            f"{idle['opened']} idle streams for {args.idle_seconds} s: "
            f"{idle['cpu_percent_of_one_core']:.2f}% of one core (server processes); RSS "
            f"{idle['rss_before_mb']:.0f} MB before, {idle['rss_open_mb']:.0f} MB open"
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    seed() if "--seed" in sys.argv else main()
