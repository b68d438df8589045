"""The API beside the floor (issue 11): create, list, export and import, one command each.

    .venv/bin/python bench/speed.py create  # ../shared/bench/bench.py W1, interleaved
    .venv/bin/python bench/speed.py list    # walk 2,000 annotations following `next`
    .venv/bin/python bench/speed.py export  # 10,000 as JSON Lines; memory at 100,000
    .venv/bin/python bench/speed.py import  # 10,000 doccano labels; 100,000 by command

Each command starts, on fresh PostgreSQL databases (BENCH_POSTGRES, default
postgres://postgres@127.0.0.1:5432), the floor (`../shared/bench/floor.py`, gunicorn 2
sync workers, port 8119) and Claimmark as `make serve` runs it (gunicorn with 2 uvicorn
workers on annotator.asgi, psycopg pool; port 8110), then runs the two in turns, round
after round, and prints medians and the ratio ours/floor. Every request opens a new
TCP connection, as the harness does. Servers are stopped at the end.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SHARED = Path(os.environ.get("SHARED_BENCH", ROOT.parent / "shared" / "bench"))
if not SHARED.exists():
    SHARED = Path("/work/shared/bench")
PG = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
FLOOR_PORT, OURS_PORT = 8119, 8110
SENTENCE = "Officials said the bridge opened in 2019 and it will probably double. "


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def fresh_db(name: str) -> str:
    subprocess.run(
        ["psql", f"{PG}/postgres", "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
         "-c", f"CREATE DATABASE {name}"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return f"{PG}/{name}"


def ours_env(url: str) -> dict:
    return os.environ | {
        "DATABASE_URL": url,
        "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdef",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_PLAIN_STATIC": "1",
        "DJANGO_LOG_LEVEL": "WARNING",
        # The harness signs in once per round and phase; the limit is for people.
        "DJANGO_TOKEN_RATE": "1000/minute",
    }


class Server:
    def __init__(self, name: str, port: int, command: list[str], env: dict, cwd: Path):
        self.name, self.port, self.base = name, port, f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(command, env=env, cwd=cwd, start_new_session=True)
        for _ in range(300):
            try:
                httpx.get(self.base + "/api/token/", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"{name} did not start on {port}")

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)

    def pids(self) -> list[int]:
        found, unseen = [], [self.process.pid]
        while unseen:
            pid = unseen.pop()
            found.append(pid)
            children = Path(f"/proc/{pid}/task/{pid}/children")
            if children.exists():
                unseen += [int(p) for p in children.read_text().split()]
        return found

    def cpu_seconds(self) -> float:
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            except (FileNotFoundError, IndexError):
                continue
        return total / os.sysconf("SC_CLK_TCK")

    def largest_rss_mib(self) -> float:
        largest = 0
        for pid in self.pids():
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        largest = max(largest, int(line.split()[1]))
            except FileNotFoundError:
                continue
        return largest / 1024


def start_floor() -> Server:
    url = fresh_db("cm11_floor")
    env = os.environ | {"DATABASE_URL": url}
    subprocess.run([PY, "floor.py", "setup"], env=env, cwd=SHARED, check=True)
    gunicorn = str(Path(PY).with_name("gunicorn"))
    command = [gunicorn, "-w", "2", "--no-control-socket", "-b", f"127.0.0.1:{FLOOR_PORT}",
               "--log-level", "warning", "floor:app"]  # fmt: skip
    return Server("floor", FLOOR_PORT, command, env, SHARED)


def start_ours() -> Server:
    url = fresh_db("cm11_ours")
    env = ours_env(url)
    manage = [PY, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    subprocess.run([*manage, "createcachetable"], env=env, cwd=ROOT, check=True)
    code = (
        "from django.contrib.auth import get_user_model;"
        "get_user_model().objects.create_user('bench', password='bench')"
    )
    subprocess.run([*manage, "shell", "-c", code], env=env, cwd=ROOT, check=True)
    gunicorn = str(Path(PY).with_name("gunicorn"))
    # What `make serve` runs (Makefile), with its defaults: 2 workers, the pool.
    command = [gunicorn, "annotator.asgi:application", "-k", "uvicorn_worker.UvicornWorker",
               "--workers", "2", "--timeout", "120", "--graceful-timeout", "10",
               "--no-control-socket", "--log-level", "warning", "--bind",
               f"127.0.0.1:{OURS_PORT}"]  # fmt: skip
    if os.environ.get("OURS_SERVE") == "sync":  # for comparison: the floor's way of serving
        command[1:4] = ["annotator.wsgi:application"]
    return Server("ours", OURS_PORT, command, env, ROOT)


def client(server: Server, **kwargs) -> httpx.Client:
    c = httpx.Client(base_url=server.base, timeout=300, headers={"Connection": "close"}, **kwargs)
    token = c.post("/api/token/", json={"username": "bench", "password": "bench"}).json()["token"]
    c.headers["Authorization"] = f"Token {token}"
    return c


def new_article(c: httpx.Client, text: str, title: str = "Bench") -> str:
    response = c.post("/api/articles/", json={"title": title, "text": text})
    assert response.status_code == 201, response.text
    return response.json()["slug"]


def word_spans(text: str, n: int) -> list[tuple[int, int]]:
    """n distinct word spans of `text` (one word, then two, ...)."""
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == " " and i + 1 < len(text)]
    ends = [i for i, ch in enumerate(text) if ch == " "] + [len(text)]
    spans, width = [], 0
    while len(spans) < n:
        for i in range(len(starts) - width):
            spans.append((starts[i], ends[i + width]))
            if len(spans) == n:
                break
        width += 1
    return spans


def seed_api(server: Server, slug: str, spans, clients: int = 16) -> None:
    def work(part):
        with closing(client(server)) as c:
            for start, end in part:
                r = c.post(f"/api/articles/{slug}/annotations/",
                           json={"start": start, "end": end, "tag": "fact"})  # fmt: skip
                assert r.status_code == 201, r.text

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(work, [spans[i::clients] for i in range(clients)]))


def ratio_table(rows: list[tuple[str, str, float, float]]) -> None:
    print("| measure | ours | floor | ours / floor |")
    print("|---|---|---|---|")
    for name, unit, ours, floor in rows:
        print(f"| {name} | {ours:.2f} {unit} | {floor:.2f} {unit} | {ours / floor:.2f} |")


# create --------------------------------------------------------------------------------


def run_create(args) -> None:
    out = Path(tempfile.mkdtemp(prefix="speed-create-"))
    servers = {"floor": start_floor(), "ours": start_ours()}
    figures = {name: [] for name in servers}
    try:
        for round_ in range(args.rounds):
            for name, server in servers.items():
                target = out / f"{name}-{round_}.json"
                subprocess.run(
                    [PY, str(SHARED / "bench.py"), "--target", "ours", "--base-url", server.base,
                     "--username", "bench", "--password", "bench", "--workloads", "w1",
                     "--repeat", "1", "--seq-n", str(args.seq_n), "--conc-n", str(args.conc_n),
                     "--json-out", str(target)],
                    check=True, stdout=subprocess.DEVNULL,
                )  # fmt: skip
                run = json.loads(target.read_text())["runs"][0]
                seq, conc = run["w1_seq"], run["w1_conc"]
                figures[name].append(
                    (seq["req_per_s"], conc["req_per_s"], seq["server_cpu_ms_per_req"],
                     conc["server_cpu_ms_per_req"], seq["errors"] + conc["errors"])
                )  # fmt: skip
                log(f"round {round_ + 1} {name}: seq {seq['req_per_s']:.0f}/s, x16 "
                    f"{conc['req_per_s']:.0f}/s, CPU {seq['server_cpu_ms_per_req']:.2f} ms "
                    f"seq / {conc['server_cpu_ms_per_req']:.2f} ms x16, errors "
                    f"{seq['errors'] + conc['errors']}")  # fmt: skip
    finally:
        for server in servers.values():
            server.stop()

    def median(name, i):
        return statistics.median(f[i] for f in figures[name])

    print(f"create: medians of {args.rounds} interleaved rounds, W1 --seq-n {args.seq_n} "
          f"--conc-n {args.conc_n}; errors ours {sum(f[4] for f in figures['ours'])}, "
          f"floor {sum(f[4] for f in figures['floor'])}")  # fmt: skip
    ratio_table([
        ("sequential", "req/s", median("ours", 0), median("floor", 0)),
        ("16 clients", "req/s", median("ours", 1), median("floor", 1)),
        ("server CPU per create, sequential", "ms", median("ours", 2), median("floor", 2)),
        ("server CPU per create, 16 clients", "ms", median("ours", 3), median("floor", 3)),
    ])  # fmt: skip


# list ----------------------------------------------------------------------------------


FLOOR_FIELDS = "&fields=id,start,end,tag,author"  # what the floor's listing holds


def walk(c: httpx.Client, slug: str, page_size: int, query: str = "") -> tuple[float, int, int]:
    started, url, seen, requests = time.perf_counter(), None, 0, 0
    url = f"/api/articles/{slug}/annotations/?page_size={page_size}{query}"
    while url:
        page = c.get(url)
        assert page.status_code == 200, page.text
        body = page.json()
        seen += len(body["results"])
        requests += 1
        url = body.get("next")
    return time.perf_counter() - started, seen, requests


def run_list(args) -> None:
    servers = {"floor": start_floor(), "ours": start_ours()}
    text = SENTENCE * 60
    spans = word_spans(text, 2000)
    times = {name: [] for name in [*servers, "ours, the floor's fields"]}
    try:
        slugs = {}
        for name, server in servers.items():
            with closing(client(server)) as c:
                slugs[name] = new_article(c, text)
            seed_api(server, slugs[name], spans)
        if not args.no_analyze:
            # As autovacuum would within its minute: otherwise the walk times the
            # planner's guesses about a table it has no statistics for yet.
            for db in ("cm11_floor", "cm11_ours"):
                subprocess.run(["psql", f"{PG}/{db}", "-qc", "VACUUM ANALYZE"], check=True)
        for round_ in range(args.rounds):
            for name, server in servers.items():
                with closing(client(server)) as c:
                    for _ in range(args.walks):
                        elapsed, seen, requests = walk(c, slugs[name], 1000)
                        assert seen == 2000, seen
                        times[name].append(elapsed * 1000)
            # The same walk asking only for the five fields the floor lists (?fields=).
            with closing(client(servers["ours"])) as c:
                for _ in range(args.walks):
                    elapsed, seen, _requests = walk(c, slugs["ours"], 1000, FLOOR_FIELDS)
                    assert seen == 2000, seen
                    times["ours, the floor's fields"].append(elapsed * 1000)
            log(f"round {round_ + 1}: ours {statistics.median(times['ours'][-args.walks:]):.1f} "
                f"ms, floor {statistics.median(times['floor'][-args.walks:]):.1f} ms")  # fmt: skip
        with closing(client(servers["ours"])) as c:
            small = [walk(c, slugs["ours"], 100)[0] * 1000 for _ in range(5)]
    finally:
        for server in servers.values():
            server.stop()
    print(f"list 2,000 annotations of one article: medians of {args.rounds} x {args.walks} "
          "interleaved walks; ours follows `next` with ?page_size=1000 (2 requests), the "
          f"floor answers in one; ours with the default 100 a page (20 requests): "
          f"{statistics.median(small):.0f} ms")  # fmt: skip
    floor = statistics.median(times["floor"])
    ratio_table([
        ("list 2,000", "ms", statistics.median(times["ours"]), floor),
        (f"list 2,000 with {FLOOR_FIELDS[1:]}", "ms",
         statistics.median(times["ours, the floor's fields"]), floor),
    ])  # fmt: skip


# export --------------------------------------------------------------------------------

OURS_SEED = """
import os
from django.contrib.auth import get_user_model
from annotator.models import Annotation, Tag
from articles import services
from simple_history.utils import bulk_create_with_history
n_articles, per = int(os.environ["SEED_ARTICLES"]), int(os.environ["SEED_PER"])
user = get_user_model().objects.get(username="bench")
tags = list(Tag.objects.order_by("key"))
text = %r
rows = []
for a in range(n_articles):
    article = services.article_create(title=f"Export {a}", text=text, created_by=user)
    for i in range(per):
        start = (i * 7) %% (len(text) - 40)
        rows.append(Annotation(article=article, author=user, start=start, end=start + 9,
            quote=text[start:start + 9], prefix=text[max(0, start - 32):start],
            suffix=text[start + 9:start + 41], tag=tags[i %% 3], note="" if i %% 4 else "why"))
bulk_create_with_history(rows, Annotation, batch_size=5000, default_user=user)
print("SEEDED", len(rows))
"""

FLOOR_SEED = """
INSERT INTO floor_article (slug, title, text)
  SELECT 'export-' || a || '-' || md5(random()::text), 'Export ' || a, %s
  FROM generate_series(1, %s) a;
INSERT INTO floor_annotation (article_id, start, "end", tag, author, created)
  SELECT art.id, (i * 7) %% 4000, (i * 7) %% 4000 + 9,
         (ARRAY['fact','opinion','speculation'])[i %% 3 + 1], 'bench', now()
  FROM floor_article art, generate_series(0, %s - 1) i WHERE art.slug LIKE 'export-%%';
"""


def seed_ours(server: Server, articles: int, per: int) -> None:
    env = ours_env(f"{PG}/cm11_ours") | {"SEED_ARTICLES": str(articles), "SEED_PER": str(per)}
    script = OURS_SEED % (SENTENCE * 60)
    subprocess.run([PY, "manage.py", "shell", "-c", script],
                   env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)  # fmt: skip


def seed_floor(articles: int, per: int) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/cm11_floor", autocommit=True) as conn:
        sql = FLOOR_SEED % ("%s", articles, per)
        conn.execute(sql.split(";")[0], [SENTENCE * 60])
        conn.execute(sql.split(";")[1])


@contextmanager
def rss_sampled(server: Server) -> Iterator[list[float]]:
    """While the block runs, the RSS of the server's largest process every 20 ms: the
    list it yields starts with the figure before the block; its max() is the peak."""
    peak, done = [server.largest_rss_mib()], threading.Event()

    def sample():
        while not done.is_set():
            peak.append(server.largest_rss_mib())
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        yield peak
    finally:
        done.set()
        sampler.join()


def export_once(server: Server, c: httpx.Client) -> tuple[float, int, float, float]:
    with rss_sampled(server) as rss:
        started, lines = time.perf_counter(), 0
        with c.stream("GET", "/api/export/?format=jsonl") as response:
            assert response.status_code == 200
            for line in response.iter_lines():
                lines += bool(line.strip())
        elapsed = time.perf_counter() - started
    return elapsed, lines, rss[0], max(rss)


def run_export(args) -> None:
    servers = {"floor": start_floor(), "ours": start_ours()}
    times = {name: [] for name in [*servers, "ours, the floor's fields"]}
    try:
        seed_floor(100, 100)
        seed_ours(servers["ours"], 100, 100)
        clients = {name: client(server) for name, server in servers.items()}
        for round_ in range(args.rounds):
            for name, server in servers.items():
                elapsed, lines, _, peak = export_once(server, clients[name])
                assert lines == 10_000, lines
                times[name].append(elapsed)
            log(f"round {round_ + 1}: ours {times['ours'][-1]:.2f} s, floor "
                f"{times['floor'][-1]:.2f} s")  # fmt: skip
        memory = [export_once(servers["ours"], clients["ours"])]
        seed_ours(servers["ours"], 100, 900)
        memory.append(export_once(servers["ours"], clients["ours"]))
        memory.append(export_once(servers["ours"], clients["ours"]))
    finally:
        for server in servers.values():
            server.stop()
    print(
        f"export as JSON Lines: medians of {args.rounds} interleaved rounds (100 articles x "
        "100 annotations)"
    )
    ratio_table([("export 10,000", "s", statistics.median(times["ours"]),
                  statistics.median(times["floor"]))])  # fmt: skip
    print()
    print("| ours, one export | time | largest process RSS before | peak |")
    print("|---|---|---|---|")
    for elapsed, lines, base, peak in memory:
        print(f"| {lines:,} annotations | {elapsed:.2f} s | {base:.0f} MiB | {peak:.0f} MiB |")


# import --------------------------------------------------------------------------------


def doccano_file(articles: int, per: int, text: str) -> bytes:
    spans = word_spans(text, per)
    lines = []
    for a in range(articles):
        labels = [[s, e, ("fact", "opinion", "speculation")[i % 3]] for i, (s, e) in
                  enumerate(spans)]  # fmt: skip
        lines.append(json.dumps({"text": f"Article {a}. " + text, "title": f"Import {a}",
                                 "label": [[s + len(f"Article {a}. "), e + len(f"Article {a}. "),
                                            t] for s, e, t in labels]}))  # fmt: skip
    return ("\n".join(lines) + "\n").encode()


def run_import(args) -> None:
    server = start_ours()
    text = SENTENCE * 60
    try:
        data = doccano_file(10, 1000, text)
        api = []
        with closing(client(server)) as c:
            for round_ in range(args.rounds):
                body = data.replace(b'"Import ', f'"Round {round_} import '.encode()).replace(
                    b"Article ", f"Round {round_} article ".encode()
                )
                started = time.perf_counter()
                response = c.post("/api/import/?format=doccano", content=body,
                                  headers={"Content-Type": "application/x-ndjson"})  # fmt: skip
                elapsed = time.perf_counter() - started
                assert response.status_code == 201, response.text[:300]
                assert response.json()["created"] == 10_000, response.json()
                api.append(elapsed)
                log(f"round {round_ + 1}: 10,000 labels over the API in {elapsed:.2f} s "
                    f"({len(body) / 1e6:.1f} MB)")  # fmt: skip
        big = doccano_file(100, 1000, text)
        with tempfile.NamedTemporaryFile(suffix=".jsonl") as fh:
            fh.write(big)
            fh.flush()
            started = time.perf_counter()
            subprocess.run(
                [PY, "manage.py", "import_annotations", fh.name, "--format", "doccano", "--user",
                 "bench"],
                env=ours_env(f"{PG}/cm11_ours"), cwd=ROOT, check=True,
            )  # fmt: skip
            command = time.perf_counter() - started
    finally:
        server.stop()
    print(
        f"import doccano: 10,000 labels (10 articles x 1,000) over the API, median of "
        f"{args.rounds}: {statistics.median(api):.2f} s (target < 5 s); 100,000 labels "
        f"(100 x 1,000, {len(big) / 1e6:.0f} MB) through import_annotations: {command:.1f} s "
        "(target < 30 s), each with its history rows"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["create", "list", "export", "import"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--walks", type=int, default=5, help="list: walks per round")
    parser.add_argument(
        "--no-analyze", action="store_true", help="list: no VACUUM ANALYZE after seeding"
    )
    parser.add_argument("--seq-n", type=int, default=300)
    parser.add_argument("--conc-n", type=int, default=800)
    args = parser.parse_args()
    {"create": run_create, "list": run_list, "export": run_export, "import": run_import}[args.what](
        args
    )


if __name__ == "__main__":
    main()
