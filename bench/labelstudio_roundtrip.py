"""Check that Label Studio's own importer accepts our Label Studio export, and that its
export imports back here. Not part of the test suite: it installs label-studio (a large
application, about 300 packages) into its own virtual environment.

    .venv/bin/python bench/labelstudio_roundtrip.py [--workdir DIR] [--port 8155]

What it does, in a scratch directory (kept, so a second run skips the install):
1. Claimmark on a fresh SQLite database: migrate, the seed article with the demo
   annotations (setup_demo), then `export_annotations --format labelstudio` and the
   labeling config (annotator.formats.labelstudio.labeling_config).
2. `pip install label-studio` into DIR/venv (Python 3.12 or 3.13), `label-studio init`
   with a user and an API token (legacy tokens switched on: 1.23 turns them off by
   default), and `label-studio start` on --port.
3. Through Label Studio's REST API: create a project with our config, import our file
   (POST /api/projects/<id>/import), read the tasks back (GET /api/projects/<id>/export),
   and compare every region with what we exported.
4. Import Label Studio's export back into Claimmark (`import_annotations --format
   labelstudio`) as another user and compare the spans with the original ones.
Prints what it saw; exits non-zero on any difference.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TOKEN = "claimmark-roundtrip-token"  # noqa: S105 - a throwaway local instance
EMAIL, PASSWORD = "roundtrip@example.org", "roundtrip-pass-2026"


def run(*command, env=None, **kwargs) -> str:
    result = subprocess.run(
        command, env=env, check=True, capture_output=True, text=True, cwd=ROOT, **kwargs
    )
    return result.stdout


def claimmark_env(workdir: Path) -> dict:
    return os.environ | {"DATABASE_URL": f"sqlite:///{workdir / 'claimmark.sqlite3'}"}


def manage(workdir: Path, *args, **kwargs) -> str:
    return run(PYTHON, "manage.py", *args, env=claimmark_env(workdir), **kwargs)


def export_ours(workdir: Path) -> tuple[list, str]:
    (workdir / "claimmark.sqlite3").unlink(missing_ok=True)
    manage(workdir, "migrate", "--noinput", "-v0")
    manage(workdir, "setup_demo")
    out = workdir / "claimmark.labelstudio.json"
    manage(workdir, "export_annotations", "--format", "labelstudio", "-o", str(out))
    config = manage(
        workdir,
        "shell",
        "--no-imports",
        "-c",
        "from annotator.formats import labelstudio; print(labelstudio.labeling_config())",
    )
    (workdir / "claimmark.labelstudio.xml").write_text(config)
    return json.loads(out.read_text()), config


def find_python() -> str:
    candidates = [os.environ.get("LS_PYTHON", ""), "python3.12", "python3.13"]
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = run(pyenv, "root").strip()
        candidates += sorted(str(p) for p in Path(root).glob("versions/3.1[23]*/bin/python3"))
    for candidate in filter(None, candidates):
        try:
            version = run(candidate, "-c", "import sys; print(sys.version_info[:2] >= (3, 12))")
        except (OSError, subprocess.CalledProcessError):
            continue
        if version.strip() == "True":
            return candidate
    sys.exit("Label Studio needs Python 3.12 or 3.13; set LS_PYTHON=/path/to/python3.12.")


def install_label_studio(workdir: Path) -> Path:
    venv = workdir / "venv"
    binary = venv / "bin" / "label-studio"
    if not binary.exists():
        print("Installing label-studio into", venv, "(a few minutes)")
        run(find_python(), "-m", "venv", str(venv))
        run(str(venv / "bin" / "pip"), "install", "--quiet", "label-studio")
    version = run(str(venv / "bin" / "python"), "-m", "pip", "show", "label-studio")
    print("label-studio", next(line for line in version.splitlines() if line.startswith("Ver")))
    return binary


def ls_env(workdir: Path) -> dict:
    return os.environ | {"LABEL_STUDIO_BASE_DATA_DIR": str(workdir / "ls-data")}


def start_label_studio(binary: Path, workdir: Path, port: int) -> subprocess.Popen:
    data = workdir / "ls-data"
    shutil.rmtree(data, ignore_errors=True)
    env = ls_env(workdir)
    # Label Studio 1.23 accepts only JWT personal tokens unless the organisation turns
    # legacy tokens on, which init does when asked; "Authorization: Token" keeps this simple.
    subprocess.run(
        [str(binary), "init", "--username", EMAIL, "--password", PASSWORD,
         "--user-token", TOKEN, "--enable-legacy-api-token", "-q", "--no-browser"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    log = open(workdir / "label-studio.log", "w")  # noqa: SIM115 - lives with the server
    server = subprocess.Popen(
        [str(binary), "start", "--port", str(port), "--host", "127.0.0.1", "--no-browser"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    for _ in range(240):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
            return server
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    os.killpg(server.pid, signal.SIGTERM)
    sys.exit(f"Label Studio did not answer on port {port}; see {workdir / 'label-studio.log'}")


def api(port: int, method: str, path: str, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=data,
        method=method,
        headers={"Authorization": f"Token {TOKEN}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 - http://
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        sys.exit(f"Label Studio answered {error.code} to {method} {path}: {error.read()[:2000]}")


def regions(tasks: list) -> list[tuple]:
    """(article slug, start, end, words, tag, note) of every labels region."""
    found = []
    for task in tasks:
        for annotation in task["annotations"]:
            notes = {
                r["id"]: "\n".join(r["value"]["text"])
                for r in annotation["result"]
                if r["type"] == "textarea"
            }
            for r in annotation["result"]:
                if r["type"] == "labels":
                    value = r["value"]
                    found.append(
                        (
                            task["data"]["slug"], value["start"], value["end"],
                            value.get("text"), value["labels"][0], notes.get(r["id"], ""),
                        )
                    )  # fmt: skip
    return sorted(found)


def screenshot(port: int, project: int, task: int, path: Path) -> None:
    """Label Studio's own labeling page of the task, as a person signed in there sees it."""
    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{port}"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            args=["--headless", "--no-sandbox", "--disable-gpu"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{base}/user/login/")
        page.fill("input[name=email]", EMAIL)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.goto(f"{base}/projects/{project}/data?task={task}")
        page.wait_for_timeout(8000)
        page.screenshot(path=str(path))
        browser.close()
    print("Label Studio's labeling page:", path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    scratch = Path("/tmp/claimmark-labelstudio")  # noqa: S108 - kept for the next run
    parser.add_argument("--workdir", type=Path, default=scratch)
    parser.add_argument("--port", type=int, default=8155)
    parser.add_argument(
        "--screenshot", type=Path, help="Also save Label Studio's labeling page of the task."
    )
    args = parser.parse_args()
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)

    ours, config = export_ours(workdir)
    exported = regions(ours)
    annotations = sum(len(t["annotations"]) for t in ours)
    print(f"Claimmark export: {len(ours)} task(s), {annotations} annotation(s), ", end="")
    print(f"{len(exported)} regions")

    binary = install_label_studio(workdir)
    server = start_label_studio(binary, workdir, args.port)
    try:
        body = {"title": "Claimmark", "label_config": config}
        project = api(args.port, "POST", "/api/projects/", body)
        started = time.perf_counter()
        imported = api(args.port, "POST", f"/api/projects/{project['id']}/import", ours)
        counts = ("task_count", "annotation_count", "prediction_count")
        took = time.perf_counter() - started
        print(f"Label Studio import ({took:.1f} s):", {k: imported.get(k) for k in counts})
        back = api(args.port, "GET", f"/api/projects/{project['id']}/export?exportType=JSON")
        (workdir / "labelstudio-export.json").write_text(json.dumps(back, ensure_ascii=False))
        seen = regions(back)
        annotations = sum(len(t["annotations"]) for t in back)
        print(f"Label Studio export: {len(back)} task(s), {annotations} annotation(s), ", end="")
        print(f"{len(seen)} regions")
        if seen != exported:
            print("DIFFERENT regions after Label Studio:", sorted(set(exported) ^ set(seen))[:10])
            sys.exit(1)
        print("Every region came back from Label Studio unchanged (span, words, tag, note).")
        if args.screenshot:
            screenshot(args.port, project["id"], back[0]["id"], args.screenshot)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    manage(workdir, "shell", "--no-imports", "-c",
           "from django.contrib.auth import get_user_model; "
           "get_user_model().objects.get_or_create(username='lsimport')")  # fmt: skip
    print(manage(workdir, "import_annotations", str(workdir / "labelstudio-export.json"),
                 "--format", "labelstudio", "--user", "lsimport").strip())  # fmt: skip
    lines = manage(workdir, "export_annotations", "--format", "jsonl", "--author", "lsimport")
    mine = sorted(
        {(r["article"], r["start"], r["end"], r["quote"], r["tag"], r["note"])
         for r in map(json.loads, lines.splitlines())}
    )  # fmt: skip
    if mine != sorted(set(exported)):
        print("DIFFERENT after importing Label Studio's export:", set(mine) ^ set(exported))
        sys.exit(1)
    print(f"Imported back: {len(mine)} distinct annotations, the same spans, tags and notes.")


if __name__ == "__main__":
    main()
