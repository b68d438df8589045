"""The reader by keyboard and touch on a heavy page: what a person waits for per key.

Run: .venv/bin/python bench/keyboard_reader.py [--port 8161] [--presses 30]

It makes the PostgreSQL database `bench_keys` on 127.0.0.1:5432 with the same article as
bench/live_reader.py (50,000 characters, 2,000 annotations by 10 authors, verdicts on
half, comments on a quarter), serves it as `make serve` does, and measures in Chromium
(1280x900), each as the median and p95 of --presses presses, from the key press sent
to the moment the page shows its answer:

1. ) : the next sentence selected and the tag picker showing it.
2. Shift+ArrowLeft (a character) and Ctrl+Shift+ArrowLeft (a word) taken off it.
3. j : the next highlight focused (roving tabindex) and its sidebar item marked.
4. A finger's selection (selectionchange, no mouseup) -> the picker open; this includes
   the 300 ms wait for the selection to rest.
5. axe-core on the whole reader page (every rule).
And the bytes the issue's new static files add (raw and gzip).
"""

import argparse
import gzip
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import live_reader  # noqa: E402

live_reader.DB_URL = f"{live_reader.PG}/bench_keys"


def make_database() -> None:
    import os

    import psycopg

    with psycopg.connect(f"{live_reader.PG}/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS bench_keys WITH (FORCE)")
        conn.execute("CREATE DATABASE bench_keys")
    env = {**os.environ, "DATABASE_URL": live_reader.DB_URL}
    subprocess.run(
        [sys.executable, str(ROOT / "bench/live_reader.py"), "--seed"],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip


def timed(page, press, until: str, arg=None) -> float:
    """Milliseconds from sending the key to `until` (a JS predicate) holding."""
    t0 = time.perf_counter()
    press()
    page.wait_for_function(until, arg=arg, polling="raf")
    return (time.perf_counter() - t0) * 1000


def summary(values) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
    return f"median {statistics.median(values):.1f} ms, p95 {p95:.1f} ms (n={len(values)})"


def figures(base: str, presses: int) -> dict:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=live_reader.ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_username", "author0")
        page.fill("#id_password", live_reader.PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/articles/bench/")
        page.wait_for_selector("#live-status[data-state=live]")
        quote = "window.getSelection().toString()"
        page.locator("#article-text").focus()

        sentence, char, word = [], [], []
        for _ in range(presses):
            before = page.evaluate(quote)
            sentence.append(timed(page, lambda: page.keyboard.press(")"),
                                  f"(b) => !picker.hidden && {quote} !== b", before))  # fmt: skip
            before = page.evaluate(quote)
            char.append(timed(page, lambda: page.keyboard.press("Shift+ArrowLeft"),
                              f"(b) => {quote} !== b", before))  # fmt: skip
            before = page.evaluate(quote)
            word.append(timed(page, lambda: page.keyboard.press("Control+Shift+ArrowLeft"),
                              f"(b) => {quote} !== b", before))  # fmt: skip
        out["sentence )"] = summary(sentence)
        out["character Shift+←"] = summary(char)
        out["word Ctrl+Shift+←"] = summary(word)

        page.keyboard.press("Escape")
        page.locator("#article-text").focus()
        jumps = []
        for _ in range(presses):
            before = page.evaluate("document.activeElement.dataset.annotationId || ''")
            jumps.append(timed(
                page, lambda: page.keyboard.press("j"),
                "(b) => { const a = document.activeElement; return a.dataset.annotationId"
                " && a.dataset.annotationId !== b"
                " && document.querySelector('.ann-item.is-active'); }", before,
            ))  # fmt: skip
        out["next highlight j"] = summary(jumps)

        touch = []
        page.keyboard.press("Escape")
        for i in range(min(presses, 15)):
            page.evaluate("() => { window.getSelection().removeAllRanges(); }")
            page.keyboard.press("Escape")
            page.wait_for_function("() => picker.hidden")
            touch.append(timed(page, lambda i=i: page.evaluate(
                """(i) => { const ps = document.querySelectorAll('#article-text > p');
                   const p = ps[(i * 7) % ps.length];
                   const w = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
                   let t = w.nextNode(); while (t && t.data.trim().length < 12) t = w.nextNode();
                   const at = t.data.search(/\\S/);
                   window.getSelection().setBaseAndExtent(t, at, t, at + 10); }""", i),
                "() => !picker.hidden"))  # fmt: skip
        out["finger selection -> picker"] = summary(touch)

        t0 = time.perf_counter()
        results = Axe().run(page, options={"resultTypes": ["violations"]})
        out["axe-core, whole reader"] = (
            f"{(time.perf_counter() - t0) * 1000:.0f} ms, "
            f"{results.violations_count} rule(s) violated"
        )
        browser.close()
    return out


def weights() -> dict:
    out = {}
    for name in ["css/access.css", "js/theme.js", "js/keys.js"]:
        raw = (ROOT / "static" / name).read_bytes()
        out[name] = f"{len(raw):,} B ({len(gzip.compress(raw)):,} B gzip)"
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8161)
    parser.add_argument("--presses", type=int, default=30)
    args = parser.parse_args()
    make_database()
    server = live_reader.serve(args.port)
    try:
        for name, value in {**figures(f"http://127.0.0.1:{args.port}", args.presses),
                            **weights()}.items():  # fmt: skip
            print(f"{name:32} {value}")
    finally:
        server.terminate()
        server.wait(timeout=20)
    with open("/proc/loadavg") as f:
        print("load average:", f.read().split()[:3])


if __name__ == "__main__":
    main()
