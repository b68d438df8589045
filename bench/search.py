"""Time the first page of search results over 100,000 annotations (issue 15: < 50 ms).

Run: .venv/bin/python bench/search.py   (PostgreSQL on 127.0.0.1:5432, database
bench_search; BENCH_POSTGRES overrides the server)

Data: 100 articles (80 English, 20 Spanish), each of prose from the two real articles
in fixtures/ and tests/data, 1,000 annotations per article (100,000), a comment on one
annotation in ten; a rare word in the notes of 5 annotations. Then for a rare word, a
word of about 300 annotations and the most common word of the quotes (found in the
data), and one of about 3,000, the median, min and max of RUNS of:
  - selectors.search.search_results: what the search page reads (first page of 50
    annotations with status, author, tag, article; matching comments and verdicts; the
    matching articles), in a warm process;
  - the whole search page through Django's test client (middleware, view, template;
    no network), signed in;
  - the same through the API list's filter (?q= on one article's annotations, 50);
  - the floor: the bare SQL of the index lookup (ids of the first 50 matching
    documents, no join, no order), the least any full-text search can do.
"""

import os
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ARTICLES = 100
PER_ARTICLE = 1_000
RUNS = 21
RARE = "zanzibarite"


def prose(rng: random.Random, size: int = 20_000) -> str:
    sources = [
        (ROOT / "fixtures" / "seed" / "the-situation-in-mexico.txt").read_text("utf-8"),
        (ROOT / "tests" / "data" / "long_article.txt").read_text("utf-8"),
    ]
    paragraphs = [p.strip() for t in sources for p in t.split("\n") if len(p.strip()) > 60]
    out, n = [], 0
    while sum(len(p) + 2 for p in out) < size:
        n += 1
        out.append(rng.choice(paragraphs))
    return "\n\n".join(out)


def setup_database() -> str:
    base = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    import psycopg

    with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=3) as conn:
        conn.execute("DROP DATABASE IF EXISTS bench_search")
        conn.execute("CREATE DATABASE bench_search")
    return f"{base}/bench_search"


def timed(fn) -> tuple[float, float, float]:
    """Median, min and max in ms. On a machine shared with other work the minimum is the
    closest to the uncontended cost; the median says what a person would see."""
    fn()  # warm
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times), max(times)


def main() -> None:
    os.environ["DATABASE_URL"] = setup_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    from annotator.models import Annotation, Comment, Tag
    from annotator.selectors import filters, search
    from annotator.services.search_index import search_index_rebuild
    from articles.models import Article

    call_command("migrate", verbosity=0)
    rng = random.Random(15)
    User = get_user_model()
    people = [User.objects.create(username=f"reader{i}") for i in range(20)]
    tags = list(Tag.objects.all())
    started = time.perf_counter()
    words = Counter()
    for n in range(ARTICLES):
        text = prose(rng)
        article = Article.objects.create(
            slug=f"a{n}", title=f"Article {n}", text=text, created_by=people[0],
            language="es" if n % 5 == 4 else "en",
        )  # fmt: skip
        edges = [m.start() for m in re.finditer(r"\b\w", text)]
        rows = []
        for i in range(PER_ARTICLE):
            s = edges[rng.randrange(len(edges) - 30)]
            e = min(len(text), s + rng.randint(10, 160))
            quote = text[s:e]
            note = f"about {RARE}" if n == 7 and i % 200 == 0 else ""
            rows.append(
                Annotation(
                    article=article, author=rng.choice(people), tag=rng.choice(tags),
                    start=s, end=e, quote=quote, note=note,
                )
            )  # fmt: skip
            words.update({w.lower() for w in re.findall(r"[A-Za-z]{6,}", quote)})
        # Bulk, without history rows: this measures reading, not writing.
        made = Annotation.objects.bulk_create(rows, batch_size=1000)
        Comment.objects.bulk_create(
            [
                Comment(annotation=a, author=rng.choice(people), body="Is this checkable?")
                for a in made[::10]
            ],
            batch_size=1000,
        )
    search_index_rebuild()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    common = words.most_common(1)[0][0]
    # A word in a few hundred annotations: too many for a rare word's plan, too few to
    # come up at once when walking the annotations in article order.
    medium = min(words, key=lambda w: abs(words[w] - 300))
    frequent = min(words, key=lambda w: abs(words[w] - 3000))
    total = Annotation.objects.count()
    print(f"PostgreSQL {connection.pg_version // 10000}, Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cores; {ARTICLES} articles, {total:,} annotations, "
          f"loaded in {time.perf_counter() - started:.0f} s")  # fmt: skip
    me = people[1]
    one_article = Article.objects.get(slug="a7")

    def page(word):
        results = search.search_results(me, {"q": word})
        return results.count_on_page

    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    browser = Client()
    browser.force_login(me)

    def whole_page(word):
        response = browser.get("/search/", {"q": word})
        assert response.status_code == 200, response.status_code
        return len(response.content)

    def api_list(word):
        qs = Annotation.objects.filter(article=one_article).live().with_status()
        qs = filters.filtered_or_error(qs, {"q": word}, user=me)
        return len(list(qs.select_related("author", "tag").order_by("start", "end", "id")[:50]))

    def floor(word):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT annotation_id FROM annotator_searchdocument "
                "WHERE document @@ websearch_to_tsquery('english', %s) LIMIT 50",
                [word],
            )
            return len(cursor.fetchall())

    head = f"{'word':<18} {'matches':>8} {'what':<30} {'median ms':>9} {'min':>7} {'max':>7}"
    print(f"{head} {'x floor':>8}")
    tried = (("rare", RARE), ("medium", medium), ("frequent", frequent), ("common", common))
    for label, word in tried:
        matches = search.annotation_matches(Annotation.objects.all(), word).count()
        floor_ms = timed(lambda w=word: floor(w))[0]
        for what, fn in (
            ("search page (50 + articles)", page),
            ("  the page: view + template", whole_page),
            ("API ?q= on one article (50)", api_list),
            ("floor: bare index lookup", floor),
        ):
            median, best, worst = timed(lambda w=word, f=fn: f(w))
            print(f"{label + ' ' + word:<18.18} {matches:8,} {what:<30} {median:9.1f} "
                  f"{best:7.1f} {worst:7.1f} {median / floor_ms:8.1f}")  # fmt: skip
    with connection.cursor() as cursor:
        qs = search.annotation_matches(Annotation.objects.live(), common).order_by(
            "article_id", "start", "id"
        )[:51]
        sql, params = qs.query.sql_with_params()
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql, params)
        print("\nPlan of the page's annotation query, common word:")
        for (line,) in cursor.fetchall():
            print("  " + line)


if __name__ == "__main__":
    main()
