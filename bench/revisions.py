"""Time carrying 2,000 annotations across an article revision (issue 13: under 1 s).

Run: .venv/bin/python bench/revisions.py [--quick]   (or `make bench`)

A. The algorithm alone (annotator.anchoring, no database): a 50,000-character article
   with 2,000 annotations, for each kind of edit: the diff, then placing every
   annotation; median of RUNS. Two texts: "prose" (paragraphs of the two real articles
   in tests/, shuffled, each made distinct) and "words" (bench/reader_page.py's text
   drawn from a 60-word vocabulary, a stress case for any diff). Each run checks that
   every placed annotation holds its quote at its offsets (never silently wrong).
   Baselines in the same sitting: difflib's SequenceMatcher on characters (the obvious
   way, O(n*m)) and on words, for one edit.
B. The whole service (services.article_revise: lock, diff, place, bulk update with a
   history row per changed annotation, notifications) on SQLite and on PostgreSQL
   (database bench_revisions on 127.0.0.1:5432 when reachable): time and SQL queries.

--quick skips the character-level difflib baseline (about a minute).
"""

import difflib
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ARTICLE_CHARS = 50_000
ANNOTATIONS = 2_000
RUNS = 5

from bench import scratch_db  # noqa: E402
from bench.reader_page import make_text as words_text  # noqa: E402


def prose_text(rng: random.Random) -> str:
    sources = [
        (ROOT / "fixtures" / "seed" / "the-situation-in-mexico.txt").read_text("utf-8"),
        (ROOT / "tests" / "data" / "long_article.txt").read_text("utf-8"),
    ]
    paragraphs = [p.strip() for text in sources for p in text.split("\n") if len(p.strip()) > 60]
    out, size, n = [], 0, 0
    while size < ARTICLE_CHARS:
        n += 1
        # A dateline makes each reuse of a paragraph distinct, as real paragraphs are.
        paragraph = f"({n}) {rng.choice(paragraphs)}"
        out.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(out)[:ARTICLE_CHARS].rsplit(" ", 1)[0] + "."


def spans(text: str, rng: random.Random, count: int = ANNOTATIONS):
    """`count` annotations on word edges, 1 to 30 words long, some overlapping."""
    edges = [m.start() for m in re.finditer(r"\b\w", text)]
    ends = [m.end() for m in re.finditer(r"\w\b", text)]
    result = []
    for _ in range(count):
        i = rng.randrange(len(edges) - 40)
        start = edges[i]
        end = next(e for e in ends if e > start + rng.randint(3, 200))
        result.append((start, end))
    return result


def edits(text: str, rng: random.Random) -> dict[str, str]:
    paragraphs = text.split("\n\n")
    middle = len(paragraphs) // 2
    word = re.compile(r"\b[a-z]{5,}\b")

    def typo(t: str) -> str:
        m = word.search(t, len(t) // 2)
        return t[: m.start() + 2] + t[m.start() + 3 :] if m else t

    moved = paragraphs[:]
    moved.insert(3, moved.pop(middle))
    sentence = paragraphs[middle].split(". ")
    shortened = paragraphs[:]
    shortened[middle] = ". ".join(sentence[:1] + sentence[2:]) if len(sentence) > 2 else ""
    rewritten = paragraphs[:]
    rewritten[middle] = "This paragraph was rewritten from scratch by the editor."
    scattered = list(text)
    for m in rng.sample(list(word.finditer(text)), 50):
        scattered[m.start()] = scattered[m.start()].upper()
    everywhere = re.sub(
        r"\b(\w+)\b", lambda m: m.group(1).upper() if rng.random() < 1 / 7 else m.group(1), text
    )  # noqa: E501
    return {
        "typo fixed": typo(text),
        "paragraph inserted at the top": "A new first paragraph.\n\n" + text,
        "sentence deleted": "\n\n".join(shortened),
        "paragraph moved": "\n\n".join(moved),
        "paragraph rewritten": "\n\n".join(rewritten),
        "section deleted (a fifth)": "\n\n".join(
            paragraphs[: middle - len(paragraphs) // 10]
            + paragraphs[middle + len(paragraphs) // 10 :]
        ),
        "50 words changed here and there": "".join(scattered),
        "1 word in 7 changed (worst case)": everywhere,
    }


def algorithm(kind: str, text: str, rng: random.Random, quick: bool) -> None:
    from annotator import anchoring

    anchors = [
        anchoring.Anchor(s, e, text[s:e], text[max(0, s - 32) : s], text[e : e + 32])
        for s, e in spans(text, rng)
    ]
    print(f"\nA. {kind}: {len(text):,} characters, {len(anchors):,} annotations, median of {RUNS}")
    print(
        f"   {'edit':<34} {'diff ms':>8} {'place ms':>9} {'total ms':>9}  "
        "exact moved orphaned  peak MiB"
    )
    for name, new in edits(text, rng).items():
        totals, diffs, places, counts = [], [], [], None
        for _ in range(RUNS):
            started = time.perf_counter()
            change = anchoring.TextChange(text, new)
            middle = time.perf_counter()
            placed = [change.place(a) for a in anchors]
            done = time.perf_counter()
            diffs.append((middle - started) * 1000)
            places.append((done - middle) * 1000)
            totals.append((done - started) * 1000)
            for p in placed:
                if p.anchor != anchoring.ORPHANED:
                    assert new[p.start : p.end] == p.quote, (name, p)
            counts = [sum(p.anchor == k for p in placed) for k in ("exact", "moved", "orphaned")]
        tracemalloc.start()
        change = anchoring.TextChange(text, new)
        [change.place(a) for a in anchors]
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        print(
            f"   {name:<34} {statistics.median(diffs):8.1f} {statistics.median(places):9.1f} "
            f"{statistics.median(totals):9.1f}  {counts[0]:5} {counts[1]:5} {counts[2]:8}  "
            f"{peak:8.1f}"
        )
    new = edits(text, rng)["typo fixed"]
    tokens = re.findall(r"\s+|\w+|[^\w\s]", text), re.findall(r"\s+|\w+|[^\w\s]", new)
    started = time.perf_counter()
    difflib.SequenceMatcher(None, *tokens, autojunk=False).get_opcodes()
    words_ms = (time.perf_counter() - started) * 1000
    print(f"   baseline, typo fixed: difflib on words {words_ms:,.0f} ms", end="")
    if quick:
        print(" (characters skipped: --quick)")
        return
    started = time.perf_counter()
    difflib.SequenceMatcher(None, text, new, autojunk=False).get_opcodes()
    chars_ms = (time.perf_counter() - started) * 1000
    print(f", difflib on characters {chars_ms:,.0f} ms")


def child() -> None:
    import warnings

    warnings.filterwarnings("ignore", "No directory at")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from simple_history.utils import bulk_create_with_history

    from annotator import services
    from annotator.models import Annotation, Tag
    from articles.models import Article

    call_command("migrate", verbosity=0)
    rng = random.Random(13)
    User = get_user_model()
    authors = [User.objects.create(username=f"author{i}") for i in range(10)]
    editor = User.objects.create(username="editor", is_staff=True)
    text = prose_text(rng)
    article = Article.objects.create(slug="bench", title="Bench", text=text, created_by=editor)
    Article.history.bulk_history_create([article], default_user=editor)
    tags = list(Tag.objects.all())
    rows = [
        Annotation(
            article=article, author=rng.choice(authors), tag=rng.choice(tags), start=s, end=e,
            quote=text[s:e], prefix=text[max(0, s - 32) : s], suffix=text[e : e + 32],
        )
        for s, e in spans(text, rng)
    ]  # fmt: skip
    bulk_create_with_history(rows, Annotation, batch_size=500)
    print(f"\nB. services.article_revise on {connection.vendor}: {len(text):,} characters, "
          f"{len(rows):,} annotations (the whole transaction)")  # fmt: skip
    print(f"   {'edit':<34} {'median ms':>9} {'max ms':>7} {'queries':>8} {'rows written':>13}")

    def revise(new, reason):
        current = Article.objects.get(pk=article.pk)
        services.article_revise(article=current, actor=editor, text=new, reason=reason)

    revise(text + " Warm-up.", "warm up")  # imports, caches: not timed
    revise(text, "back")
    for name, new in edits(text, rng).items():
        times = []
        for _ in range(3):
            history_before = Annotation.history.count()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                revise(new, name)
                times.append((time.perf_counter() - started) * 1000)
            written = Annotation.history.count() - history_before
            # Back to the original text (not timed): every edit starts from the same
            # article, and annotations orphaned by it come back exactly.
            revise(text, "back")
        print(
            f"   {name:<34} {statistics.median(times):9.0f} {max(times):7.0f} "
            f"{len(queries.captured_queries):8} {written:13,}"
        )


def postgres_url() -> str | None:
    return scratch_db.postgres_url("bench_revisions")


def main() -> None:
    quick = "--quick" in sys.argv
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores")
    algorithm("prose", prose_text(random.Random(1)), random.Random(2), quick)
    algorithm("words (small vocabulary)", words_text(random.Random(7)), random.Random(3), True)
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
