"""API load bench: gunicorn on PostgreSQL, localhost only, a few minutes at most.

    .venv/bin/python bench/api_load.py

Recreates the database named in BENCH_DATABASE_URL (default bench_api on 127.0.0.1),
seeds 100,000 annotations with history, then measures: 2,000 creates one after another,
2,000 creates from 16 concurrent clients (req/s, p50, p95), listing 2,000 annotations of
one article, and exporting 100,000 annotations as jsonl and w3c (time, peak server RSS).
"""

import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_api")
SEEDED = 100_000
CREATES = 2_000
CLIENTS = 16
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def recreate_database() -> None:
    url = urlsplit(DATABASE_URL)
    name, host = url.path.lstrip("/"), url.hostname or "127.0.0.1"
    user = url.username or "postgres"
    subprocess.run(["dropdb", "-h", host, "-U", user, "--if-exists", name], check=True)
    subprocess.run(["createdb", "-h", host, "-U", user, name], check=True)


def env() -> dict:
    return os.environ | {
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789",
        "DJANGO_PLAIN_STATIC": "1",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_CONN_MAX_AGE": "60",
    }


SEED = """
import sys
from django.contrib.auth import get_user_model
from simple_history.utils import bulk_create_with_history
from annotator.models import Annotation, Tag
from annotator.services import tokens as token_service
from articles import services

User = get_user_model()
users = [User.objects.create_user(f"bench{i}") for i in range(16)]
tokens = [token_service.token_create(user=u)[1] for u in users]
sentence = "Officials said the bridge opened in 2019 and it will probably double. "
live = services.article_create(title="Live", text=sentence * 400, created_by=users[0])
big = services.article_create(title="Export", text=sentence * 2000, created_by=users[0])
tags = list(Tag.objects.order_by("key"))
n = len(sentence)
rows = []
for i in range(100_000):
    start = (i % 2000) * n
    rows.append(Annotation(article=big, author=users[i % 16], start=start, end=start + 9,
        quote=big.text[start:start + 9], prefix=big.text[max(0, start - 32):start],
        suffix=big.text[start + 9:start + 41], tag=tags[i % 3], note="" if i % 4 else "why"))
bulk_create_with_history(rows, Annotation, batch_size=5000, default_user=users[0])
print("SEEDED", live.slug, big.slug, *tokens)
"""


def seed() -> tuple[str, str, list[str]]:
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], check=True, env=env(), cwd=ROOT)
    out = subprocess.run(
        [*manage, "shell", "-c", SEED], check=True, env=env(), cwd=ROOT, capture_output=True,
        text=True,
    ).stdout  # fmt: skip
    words = out[out.index("SEEDED") :].split()
    return words[1], words[2], words[3:]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_rss_kb(pid: int) -> int:
    """Resident memory of the largest process in gunicorn's tree (a worker)."""
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    largest = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    largest = max(largest, int(line.split()[1]))
        except FileNotFoundError:
            continue
    return largest


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered) * 1000
    p95 = ordered[int(len(ordered) * 0.95) - 1] * 1000
    return f"p50 {p50:.1f} ms, p95 {p95:.1f} ms"


def create(client: httpx.Client, slug: str, i: int) -> float:
    started = time.perf_counter()
    start = (i % 400) * 70
    response = client.post(
        f"/api/articles/{slug}/annotations/", json={"start": start, "end": start + 9, "tag": "fact"}
    )
    assert response.status_code == 201, response.text
    return time.perf_counter() - started


def main() -> None:
    began = time.perf_counter()
    log("recreating the bench database and seeding 100,000 annotations ...")
    recreate_database()
    t = time.perf_counter()
    live, big, tokens = seed()
    log(f"seeded in {time.perf_counter() - t:.1f} s")
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")), "annotator.wsgi",
            "--no-control-socket", "-b", f"127.0.0.1:{port}", "-w", str(WORKERS),
            "--timeout", "120", "--log-level", "warning",
        ],
        env=env(), cwd=ROOT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    results = []
    try:
        for _ in range(100):
            try:
                httpx.get(f"{base}/api/articles/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        headers = {"Authorization": f"Token {tokens[0]}"}
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            t = time.perf_counter()
            latencies = [create(client, live, i) for i in range(CREATES)]
            elapsed = time.perf_counter() - t
            results.append(
                f"create x{CREATES}, 1 client:   {CREATES / elapsed:6.0f} req/s, "
                + percentiles(latencies)
            )

        def worker(n: int) -> list[float]:
            with httpx.Client(
                base_url=base, headers={"Authorization": f"Token {tokens[n]}"}, timeout=60
            ) as c:
                return [create(c, live, i) for i in range(n, CREATES, CLIENTS)]

        t = time.perf_counter()
        with ThreadPoolExecutor(CLIENTS) as pool:
            latencies = [x for chunk in pool.map(worker, range(CLIENTS)) for x in chunk]
        elapsed = time.perf_counter() - t
        results.append(
            f"create x{CREATES}, {CLIENTS} clients: {CREATES / elapsed:6.0f} req/s, "
            + percentiles(latencies)
        )

        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            # 4,000 annotations exist on the live article now; list the first 2,000.
            t = time.perf_counter()
            url, seen = f"/api/articles/{live}/annotations/?page_size=1000", 0
            while url and seen < 2000:
                page = client.get(url).json()
                seen += len(page["results"])
                url = page["next"]
            results.append(
                f"list {seen} annotations (2 pages of 1,000): {time.perf_counter() - t:.2f} s"
            )
            # jsonl twice: the second run shows whether memory grows per export or plateaus.
            for fmt in ("jsonl", "w3c", "jsonl"):
                baseline = tree_rss_kb(server.pid)
                peak, done = [baseline], threading.Event()

                def sample(peak=peak, done=done):
                    while not done.is_set():
                        peak.append(tree_rss_kb(server.pid))
                        time.sleep(0.05)

                sampler = threading.Thread(target=sample)
                sampler.start()
                t, size = time.perf_counter(), 0
                with client.stream("GET", f"/api/export/?format={fmt}&article={big}") as r:
                    assert r.status_code == 200
                    for chunk in r.iter_bytes():
                        size += len(chunk)
                done.set()
                sampler.join()
                results.append(
                    f"export {SEEDED:,} as {fmt:5}: {time.perf_counter() - t:5.1f} s, "
                    f"{size / 1e6:.0f} MB, worker RSS {baseline / 1024:.0f} MB before, "
                    f"peak {max(peak) / 1024:.0f} MB"
                )
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"API bench, gunicorn -w {WORKERS} sync, PostgreSQL, {os.cpu_count()} CPUs")
    for line in results:
        print("  " + line)
    print(f"total bench time {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
