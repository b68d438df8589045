import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from tests import factories

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def test_schema_is_valid_and_describes_errors(tmp_path, db):
    path = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(path), "--validate", "--fail-on-warn")
    schema = path.read_text()
    for status in ("'400'", "'401'", "'403'", "'404'", "'412'", "'413'", "'428'"):
        assert status in schema
    assert "#/components/schemas/Error" in schema and "tokenAuth" in schema


@pytest.mark.fuzz
def test_fuzzing_every_operation_with_20_examples_finds_no_server_error(
    live_server, tmp_path, alice, article
):
    factories.annotate(article, alice, "Officials")
    schema = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(schema))
    token = factories.make_token(alice)
    command = [
        str(SCHEMATHESIS), "run", str(schema),
        "--url", live_server.url,
        "--header", f"Authorization: Token {token}",
        # Revoking the token the fuzzer signs with would leave every later case a 401.
        "--exclude-operation-id", "token_destroy",
        "--checks", "not_a_server_error",
        "--max-examples", "20",
        "--max-time", "30",
        "--seed", "2026",
        "--request-timeout", "10",
        "--warnings", "off",
    ]  # fmt: skip
    result = subprocess.run(  # noqa: S603 - fixed arguments, our own venv
        command, capture_output=True, text=True, timeout=90, cwd=tmp_path
    )
    failures = result.stdout[result.stdout.find("FAILURES") :]
    assert result.returncode == 0, failures[:8000] + result.stderr[-2000:]
    assert "Server error" not in result.stdout
