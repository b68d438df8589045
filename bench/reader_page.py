"""Time the reading page of a 50,000-character article holding 200, 2,000 and 20,000
annotations.

Run: .venv/bin/python bench/reader_page.py [SIZES]   (or `make bench`); SIZES defaults
to 200,2000,20000.

For each size it builds a fresh database per backend (a temporary SQLite file, and the
PostgreSQL database `bench_reader` on 127.0.0.1:5432 when reachable), renders the page
through Django's full request stack with the test client, and prints the median server
time, the number of SQL queries and the HTML size. Targets (issue 10): at 2,000 under
60 ms and 400 KB, at 20,000 under 600 ms and 4 MB. Verdicts and comments scale with
the annotations (half reviewed, a quarter discussed).
"""

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import scratch_db

ROOT = Path(__file__).resolve().parent.parent
ARTICLE_CHARS = 50_000
ANNOTATIONS = int(os.environ.get("BENCH_ANNOTATIONS", "2000"))
AUTHORS = 10
REVIEWED = ANNOTATIONS // 2  # annotations with a verdict
COMMENTED = ANNOTATIONS // 4  # annotations with a comment
RUNS = 15 if ANNOTATIONS <= 2_000 else 7

WORDS = (
    "the government said on Monday that it would review the decision after protests "
    "in the capital drew thousands of people who demanded clear answers about spending "
    "critics called the plan shameful and predicted it will probably fail next year "
    "officials reported 42 arrests while the minister did not rule out new elections"
).split()


def make_text(rng: random.Random) -> str:
    paragraphs, size = [], 0
    while size < ARTICLE_CHARS:
        words = [rng.choice(WORDS) for _ in range(rng.randint(40, 90))]
        paragraph = " ".join(words).capitalize() + "."
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(paragraphs)[:ARTICLE_CHARS].rstrip() + "."


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

    from annotator.models import Annotation, Comment, Review, Tag
    from articles.models import Article

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    rng = random.Random(7)
    User = get_user_model()
    authors = [User.objects.create(username=f"author{i}") for i in range(AUTHORS)]
    text = make_text(rng)
    article = Article.objects.create(slug="bench", title="Bench", text=text)
    tags = list(Tag.objects.all())
    rows = []
    for _ in range(ANNOTATIONS):
        start = rng.randrange(0, len(text) - 200)
        end = start + rng.randint(5, 180)
        rows.append(
            Annotation(
                article=article,
                author=rng.choice(authors),
                tag=rng.choice(tags),
                start=start,
                end=end,
                quote=text[start:end],
                prefix=text[max(0, start - 32) : start],
                suffix=text[end : end + 32],
            )
        )
    bulk_create_with_history(rows, Annotation, batch_size=500)
    # Discussion and verdicts on part of them, so status and comment counts cost something.
    made = list(Annotation.objects.filter(article=article))
    reviews, comments = [], []
    for a in rng.sample(made, REVIEWED):
        reviewer = rng.choice([u for u in authors if u.pk != a.author_id])
        verdict = rng.choice(["agree", "agree", "disagree"])
        reviews.append(Review(annotation=a, reviewer=reviewer, verdict=verdict))
    for a in rng.sample(made, COMMENTED):
        comments.append(Comment(annotation=a, author=rng.choice(authors), body="Why this tag?"))
    bulk_create_with_history(reviews, Review, batch_size=500)
    bulk_create_with_history(comments, Comment, batch_size=500)

    client = Client()
    client.force_login(authors[0])
    url = article.get_absolute_url()
    client.get(url)  # warm caches (templates, URL resolver)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    size = len(response.content)
    marks = response.content.count(b"<mark")
    if os.environ.get("BENCH_SAVE_HTML"):  # look at what the bytes are
        Path(os.environ["BENCH_SAVE_HTML"]).write_bytes(response.content)
    print(
        f"{ANNOTATIONS:>6} {connection.vendor:<10} median {statistics.median(times):7.1f} ms   "
        f"min {min(times):7.1f} ms   queries {len(queries.captured_queries)}   "
        f"html {size / 1000:.0f} KB   highlight elements {marks}",
        flush=True,
    )


def postgres_url() -> str | None:
    return scratch_db.postgres_url("bench_reader")


def main() -> None:
    sizes = [int(n) for n in (sys.argv[1] if len(sys.argv) > 1 else "200,2000,20000").split(",")]
    print(
        f"Reading page: {ARTICLE_CHARS:,} characters, {AUTHORS} authors, verdicts on half "
        "the annotations, comments on a quarter"
    )
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            # BENCH_ONLY_PG=1: PostgreSQL only (production's database).
            urls = [] if os.environ.get("BENCH_ONLY_PG") else [f"sqlite:///{tmp}/bench.sqlite3"]
            pg = postgres_url()
            if pg:
                urls.append(pg)
            for url in urls:
                env = {**os.environ, "DATABASE_URL": url, "BENCH_ANNOTATIONS": str(size)}
                subprocess.run([sys.executable, __file__, "--child"], env=env, check=True)


if __name__ == "__main__":
    child() if "--child" in sys.argv else main()
