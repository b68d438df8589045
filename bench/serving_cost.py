"""What serving costs a request, apart from the app: server CPU per request, sequential,
a new TCP connection each (as the harness connects), for four ways of serving.

    .venv/bin/python bench/serving_cost.py [--requests 2000] [--rounds 2]

- a bare WSGI "ok" under gunicorn's sync worker (the floor's way of serving);
- a bare ASGI "ok" under gunicorn with a uvicorn worker (`make serve`'s way);
- Claimmark's `GET /healthz` (one `SELECT 1`) under each of the two.

One worker each, on a scratch PostgreSQL database; the CPU is read from /proc for the
worker and its master, before and after the timed requests. The difference between
the two `/healthz` rows is what `make serve`'s layer (uvicorn and the hop to the thread
pool, annotator/asgi.py) costs over gunicorn's sync workers.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from scratch_db import postgres_url

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
PORT = 8131


def hello_wsgi(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


async def hello_asgi(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain")]})  # fmt: skip
    await send({"type": "http.response.body", "body": b"ok"})


UVICORN = ["-k", "uvicorn_worker.UvicornWorker"]
SERVINGS = [
    ("bare WSGI, gunicorn sync", ["serving_cost:hello_wsgi"], "/"),
    ("bare ASGI, gunicorn + uvicorn", ["serving_cost:hello_asgi", *UVICORN], "/"),
    ("/healthz, gunicorn sync (annotator.wsgi)", ["annotator.wsgi"], "/healthz"),
    ("/healthz, make serve (annotator.asgi)", ["annotator.asgi:application", *UVICORN], "/healthz"),
]


def cpu_seconds(pids: list[int]) -> float:
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def get(path: str) -> bytes:
    with socket.create_connection(("127.0.0.1", PORT)) as sock:
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        sock.sendall(request.encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def measure(args: list[str], path: str, requests: int, database: str) -> float:
    env = os.environ | {
        "DATABASE_URL": database,
        "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdef",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONPATH": f"{ROOT / 'bench'}:{ROOT}",
    }
    server = subprocess.Popen(
        [GUNICORN, *args, "--workers", "1", "--bind", f"127.0.0.1:{PORT}"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                get(path)
                break
            except OSError:
                time.sleep(0.2)
        for _ in range(200):  # warm up
            answer = get(path)
        if b" 200 " not in answer.split(b"\r\n", 1)[0]:
            raise SystemExit(f"{path}: {answer[:200]!r}")
        children = subprocess.run(
            ["pgrep", "-P", str(server.pid)], capture_output=True, text=True
        ).stdout.split()
        pids = [server.pid, *map(int, children)]
        before = cpu_seconds(pids)
        for _ in range(requests):
            get(path)
        return (cpu_seconds(pids) - before) / requests * 1000
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    options = parser.parse_args()
    database = postgres_url("bench_serving")
    if database is None:
        raise SystemExit("PostgreSQL is needed.")
    results: dict[str, list[float]] = {name: [] for name, _, _ in SERVINGS}
    for _ in range(options.rounds):
        for name, args, path in SERVINGS:
            results[name].append(measure(args, path, options.requests, database))
    print(f"| serving | server CPU per request, ms ({options.rounds} rounds of "
          f"{options.requests}) |\n|---|---|")  # fmt: skip
    for name, figures in results.items():
        print(f"| {name} | {' / '.join(f'{f:.2f}' for f in figures)} |")


if __name__ == "__main__":
    main()
