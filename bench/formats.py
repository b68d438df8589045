"""Time and memory of the exports by format (w3c as one streamed page, labelstudio,
doccano, csv, jsonl) at 1,000, 10,000 and 100,000 annotations, and of the import page's
preview of a 10,000-label doccano file.

Run: .venv/bin/python bench/formats.py [SIZES]   (SIZES defaults to 1000,10000,100000)

For each size and backend (a temporary SQLite file, and the PostgreSQL database
`bench_formats` on 127.0.0.1:5432 when reachable) a fresh child process builds 10
articles of 50,000 characters with the annotations spread over 10 authors, then streams
each export to nowhere: wall time (median of 3), size, and the peak of Python memory
allocated while streaming (tracemalloc, a separate run). Flat memory means the peak
does not grow with the number of annotations.
"""

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import scratch_db

ROOT = Path(__file__).resolve().parent.parent
ANNOTATIONS = int(os.environ.get("BENCH_ANNOTATIONS", "1000"))
ARTICLES, AUTHORS, ARTICLE_CHARS = 10, 10, 50_000
FORMATS = ["w3c", "labelstudio", "doccano", "csv", "jsonl"]
WORDS = (
    "the government said on Monday that it would review the decision after protests "
    "in the capital drew thousands of people who demanded clear answers about Chávez"
).split()


def child() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from annotator import formats
    from annotator.formats import preview
    from annotator.models import Annotation, Tag
    from articles.models import Article

    call_command("migrate", verbosity=0)
    rng = random.Random(15)
    authors = [get_user_model().objects.create(username=f"author{i}") for i in range(AUTHORS)]
    tags = list(Tag.objects.all())
    articles = []
    for number in range(ARTICLES):
        words = [rng.choice(WORDS) for _ in range(ARTICLE_CHARS // 6)]
        text = " ".join(words)[:ARTICLE_CHARS]
        articles.append(Article.objects.create(slug=f"a{number}", title=f"A{number}", text=text))
    rows = []
    for i in range(ANNOTATIONS):
        article = articles[i % ARTICLES]
        start = rng.randrange(0, ARTICLE_CHARS - 60)
        end = start + rng.randint(5, 50)
        quote = article.text[start:end]
        rows.append(
            Annotation(
                article=article, author=authors[i % AUTHORS], tag=rng.choice(tags),
                start=start, end=end, quote=quote, prefix=article.text[max(0, start - 32):start],
                suffix=article.text[end:end + 32], note="Why." if i % 3 == 0 else "",
            )
        )  # fmt: skip
    Annotation.objects.bulk_create(rows, batch_size=5000)  # bench data: no history needed

    def stream(fmt: str) -> int:
        size = 0
        queryset = formats.export_queryset()
        for chunk in formats.export_stream(fmt, queryset, base_url="http://bench"):
            size += len(chunk.encode())
        return size

    for fmt in FORMATS:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            size = stream(fmt)
            times.append(time.perf_counter() - started)
        tracemalloc.start()
        stream(fmt)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(
            f"{ANNOTATIONS:>7,} {connection.vendor:<10} {fmt:<12} {statistics.median(times):6.2f} s"
            f"   {size / 1e6:7.1f} MB   peak Python memory {peak / 1e6:5.1f} MB",
            flush=True,
        )
    if ANNOTATIONS == 10_000:
        # The import page's preview of a doccano file with 10,000 labels, as another person.
        other = get_user_model().objects.create(username="importer")
        data = "".join(formats.export_stream("doccano", formats.export_queryset(), base_url=""))
        started = time.perf_counter()
        plan = preview.import_preview("doccano", data.encode(), actor=other)
        took = time.perf_counter() - started
        print(
            f"{ANNOTATIONS:>7,} {connection.vendor:<10} preview of a doccano file: "
            f"{took:.2f} s for {len(plan.to_create):,} to create ({json.dumps(len(data))} chars)",
            flush=True,
        )


def postgres_url() -> str | None:
    return scratch_db.postgres_url("bench_formats")


def main() -> None:
    arg = sys.argv[1] if len(sys.argv) > 1 else "1000,10000,100000"
    print(f"Exports: {ARTICLES} articles of {ARTICLE_CHARS:,} characters, {AUTHORS} authors")
    for size in [int(n) for n in arg.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            urls = [f"sqlite:///{tmp}/bench.sqlite3"]
            pg = postgres_url()
            if pg:
                urls.append(pg)
            for url in urls:
                env = {**os.environ, "DATABASE_URL": url, "BENCH_ANNOTATIONS": str(size)}
                subprocess.run([sys.executable, __file__, "--child"], env=env, check=True)


if __name__ == "__main__":
    child() if "--child" in sys.argv else main()
