"""Finding 9: production mode refuses to start without a given secret key."""

import os
import subprocess
import sys

from django.conf import settings


def _without_key() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env["DJANGO_DEBUG"] = "0"
    return env


def test_the_production_entry_point_refuses_to_start_without_a_secret_key():
    done = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", "import annotator.asgi"],
        cwd=settings.BASE_DIR, env=_without_key(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in done.stderr


def test_make_serve_refuses_to_start_without_a_secret_key():
    done = subprocess.run(
        ["make", "serve", "PORT=8149"],  # noqa: S607
        cwd=settings.BASE_DIR, env=_without_key(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode != 0
    assert "set DJANGO_SECRET_KEY" in done.stderr
    assert "Listening at" not in done.stderr + done.stdout
