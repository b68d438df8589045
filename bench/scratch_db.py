"""A scratch PostgreSQL database for a benchmark script, made fresh each run."""

import os


def postgres_url(name: str) -> str | None:
    """The URL of a new, empty database `name` on BENCH_POSTGRES (default the local
    server); None, said on stdout, when PostgreSQL is not reachable (the script then
    measures SQLite only)."""
    base = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    try:
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
    except Exception as error:  # noqa: BLE001 - report and carry on with SQLite
        print(f"postgresql skipped: {error}")
        return None
    return f"{base}/{name}"
