"""Time the agreement page of a 50,000-character article with 2,000 annotations by 10
annotators, uncached.

Run: .venv/bin/python bench/agreement_page.py   (or `make bench`)

It builds a fresh database for each backend (a temporary SQLite file, and the
PostgreSQL database `bench_agreement` on 127.0.0.1:5432 when reachable). The
annotators tag the same 200 claims, as a team does: each of the ten marks every claim
with a slightly different span (a few characters either side) and, now and then, another
tag, so every annotation overlaps about nine others. The page is rendered through
Django's whole request stack with the test client (no cache exists: every request
computes every figure); it prints the median server time, the slowest, the number of
SQL queries, and the same for the API endpoint and for the computation alone.
Target: the page under 300 ms. The machine is shared, so it also prints the CPU time
this process spent per page (SQLite runs inside it; PostgreSQL's share is not counted).
"""

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import scratch_db  # noqa: E402 - bench/, on the path above
from reader_page import make_text  # noqa: E402 - the same article text as the reader bench

ANNOTATORS = 10
CLAIMS = 200  # each annotator tags every claim: 2,000 annotations
RUNS = 25


def child() -> None:
    import warnings

    warnings.filterwarnings("ignore", "No directory at")
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
    os.environ["DJANGO_PLAIN_STATIC"] = "1"
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from simple_history.utils import bulk_create_with_history

    from annotator.models import Annotation, Tag
    from annotator.selectors import agreement
    from articles.models import Article

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    rng = random.Random(12)
    User = get_user_model()
    people = [User.objects.create(username=f"annotator{i}") for i in range(ANNOTATORS)]
    text = make_text(rng)
    article = Article.objects.create(slug="bench", title="Bench", text=text)
    tags = list(Tag.objects.all())
    step = len(text) // CLAIMS
    claims = []
    for i in range(CLAIMS):
        start = i * step + rng.randrange(0, step // 4)
        claims.append((start, start + rng.randint(40, step - step // 4), rng.choice(tags)))
    rows = []
    for person in people:
        skill = rng.uniform(0.6, 0.95)
        for start, end, tag in claims:
            s = max(0, start + rng.randint(-6, 6))
            e = min(len(text), max(s + 5, end + rng.randint(-6, 6)))
            chosen = tag if rng.random() < skill else rng.choice(tags)
            rows.append(
                Annotation(
                    article=article, author=person, tag=chosen, start=s, end=e,
                    quote=text[s:e], prefix=text[max(0, s - 32) : s], suffix=text[e : e + 32],
                )
            )  # fmt: skip
    bulk_create_with_history(rows, Annotation, batch_size=500)

    client = Client()
    client.force_login(people[0])

    cpu = {}

    def timed(url: str) -> tuple[list[float], int, int]:
        client.get(url)  # warm templates and URL resolving; nothing is cached
        times, used = [], []
        for _ in range(RUNS):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            used.append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200, response.status_code
        cpu[url] = statistics.median(used)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        return times, len(queries.captured_queries), len(response.content)

    page_url = f"/articles/{article.slug}/agreement/"
    page, page_queries, size = timed(page_url)
    api, api_queries, _ = timed(f"/api/articles/{article.slug}/agreement/")
    compute = []
    for _ in range(RUNS):
        started = time.perf_counter()
        figures = agreement.article_agreement(article)
        compute.append((time.perf_counter() - started) * 1000)
    print(
        f"{connection.vendor:<10} page  median {statistics.median(page):6.1f} ms  "
        f"min {min(page):6.1f}  max {max(page):6.1f} ms  queries {page_queries}  "
        f"html {size / 1024:.0f} KiB  this process's CPU median {cpu[page_url]:6.1f} ms\n"
        f"{'':<10} API   median {statistics.median(api):6.1f} ms  "
        f"min {min(api):6.1f}  max {max(api):6.1f} ms  queries {api_queries}\n"
        f"{'':<10} figures alone (2 queries + computing) median "
        f"{statistics.median(compute):6.1f} ms  min {min(compute):6.1f} ms\n"
        f"{'':<10} αu {figures.unitized.value:.3f}  α {figures.alpha.value:.3f}  "
        f"mean κ {figures.mean_kappa.value:.3f}  words {figures.word_count:,}  "
        f"comparisons {len(figures.comparisons):,}"
    )


def postgres_url() -> str | None:
    return scratch_db.postgres_url("bench_agreement")


def main() -> None:
    print(
        f"Agreement page: 50,000 characters, {ANNOTATORS * CLAIMS:,} annotations by "
        f"{ANNOTATORS} annotators ({CLAIMS} claims each), {RUNS} runs, uncached"
    )
    with tempfile.TemporaryDirectory() as tmp:
        urls = [f"sqlite:///{tmp}/bench.sqlite3"]
        pg = postgres_url()
        if pg:
            urls.append(pg)
        for url in urls:
            env = {**os.environ, "DATABASE_URL": url}
            subprocess.run([sys.executable, __file__, "--child"], env=env, check=True)


if __name__ == "__main__":
    child() if "--child" in sys.argv else main()
