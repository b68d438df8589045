"""Peak memory of one export in every format at 10,000 and 100,000 annotations
(issue 11): Claimmark as `make serve` runs it (gunicorn, 2 uvicorn workers, psycopg
pool) on a fresh PostgreSQL database (BENCH_POSTGRES), on port 8131 (not the ports
bench/speed.py uses).

    .venv/bin/python bench/export_memory.py

For each format: the largest server process's RSS before the export and its peak while
the export streams (sampled every 20 ms), and the time to read it all. The server is
stopped at the end.
"""

import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import speed  # noqa: E402

PORT = 8131
DB = "cm11b_export"
FORMATS = ["jsonl", "w3c", "csv", "doccano", "labelstudio"]


def start() -> speed.Server:
    url = speed.fresh_db(DB)
    env = speed.ours_env(url)
    manage = [speed.PY, "manage.py"]
    speed.subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=speed.ROOT, check=True)
    speed.subprocess.run([*manage, "createcachetable"], env=env, cwd=speed.ROOT, check=True)
    code = (
        "from django.contrib.auth import get_user_model;"
        "get_user_model().objects.create_user('bench', password='bench')"
    )
    speed.subprocess.run([*manage, "shell", "-c", code], env=env, cwd=speed.ROOT, check=True)
    gunicorn = str(Path(speed.PY).with_name("gunicorn"))
    command = [gunicorn, "annotator.asgi:application", "-k", "uvicorn_worker.UvicornWorker",
               "--workers", "2", "--timeout", "300", "--no-control-socket",
               "--log-level", "warning", "--bind", f"127.0.0.1:{PORT}"]  # fmt: skip
    return speed.Server("ours", PORT, command, env, speed.ROOT)


def seed(articles: int, per: int) -> None:
    env = speed.ours_env(f"{speed.PG}/{DB}") | {
        "SEED_ARTICLES": str(articles), "SEED_PER": str(per),
    }  # fmt: skip
    script = speed.OURS_SEED % (speed.SENTENCE * 60)
    speed.subprocess.run([speed.PY, "manage.py", "shell", "-c", script], env=env,
                         cwd=speed.ROOT, check=True, stdout=speed.subprocess.DEVNULL)  # fmt: skip


def export_once(server: speed.Server, c: httpx.Client, fmt: str):
    with speed.rss_sampled(server) as rss:
        started, size = time.perf_counter(), 0
        with c.stream("GET", f"/api/export/?format={fmt}") as response:
            assert response.status_code == 200, fmt
            for chunk in response.iter_bytes():
                size += len(chunk)
        elapsed = time.perf_counter() - started
    return elapsed, size, rss[0], max(rss)


def main() -> None:
    server = start()
    rows = []
    try:
        c = speed.client(server)
        for total, (articles, per) in [(10_000, (100, 100)), (100_000, (100, 900))]:
            seed(articles, per)  # the second adds 90,000 to the first 10,000
            for fmt in FORMATS:
                export_once(server, c, fmt)  # warm both workers' imports and caches
                elapsed, size, base, peak = export_once(server, c, fmt)
                rows.append((fmt, total, elapsed, size, base, peak))
                speed.log(f"{fmt} {total:,}: {elapsed:.2f} s, {size / 1e6:.1f} MB, "
                          f"RSS {base:.0f} -> {peak:.0f} MiB")  # fmt: skip
    finally:
        server.stop()
    print("| format | annotations | time | size | largest process RSS before | peak |")
    print("|---|---|---|---|---|---|")
    for fmt, total, elapsed, size, base, peak in rows:
        print(f"| {fmt} | {total:,} | {elapsed:.2f} s | {size / 1e6:.1f} MB | {base:.0f} MiB "
              f"| {peak:.0f} MiB |")  # fmt: skip


if __name__ == "__main__":
    main()
