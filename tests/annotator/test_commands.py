import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from annotator.models import Annotation
from articles.models import Article
from tests import factories


def _run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _spans():
    return sorted(Annotation.objects.live().values_list("start", "end", "tag__key", "note"))


def test_export_then_import_w3c_round_trip(tmp_path, article, alice, bob, carol):
    factories.annotate(article, alice, "Officials said", "fact", note="Attributed.")
    factories.annotate(article, bob, "probably double", "speculation")
    path = tmp_path / "out.jsonld"
    _, err = _run(
        "export_annotations", "--format", "w3c", "-o", str(path), "--base-url", "http://h"
    )
    assert "records written" in err
    assert json.loads(path.read_text())["first"]["items"][0]["target"]["source"] == (
        f"http://h/articles/{article.slug}/"
    )
    before = _spans()
    Annotation.objects.all().delete()
    out, err = _run("import_annotations", str(path), "--format", "w3c", "--user", "carol")
    assert "Imported 2 annotations (0 already present, 0 articles created)." in out
    assert "2 records read" in err and "2 of 2 records written" in err
    assert _spans() == before
    assert set(Annotation.objects.values_list("author__username", flat=True)) == {"carol"}


def test_export_to_stdout_with_filters(article, alice, bob):
    factories.annotate(article, alice, "Officials said", "fact")
    factories.annotate(article, bob, "shameful", "opinion")
    out, _ = _run("export_annotations", "--format", "jsonl", "--author", "bob")
    assert [json.loads(line)["quote"] for line in out.splitlines()] == ["shameful"]
    out, _ = _run("export_annotations", "--format", "csv", "--tag", "fact")
    rows = list(csv.reader(io.StringIO(out.removeprefix("\ufeff"))))
    assert rows[0][:5] == ["id", "article", "start", "end", "quote"]
    assert [row[4] for row in rows[1:]] == ["Officials said"]
    with pytest.raises(CommandError, match="There is no article called 'nope'"):
        _run("export_annotations", "--format", "csv", "--article", "nope")


def test_doccano_round_trip_through_the_commands(tmp_path, article, alice, bob):
    factories.annotate(article, alice, "Officials said", "fact")
    factories.annotate(article, alice, "shameful waste", "opinion")
    path = tmp_path / "out.jsonl"
    _run("export_annotations", "--format", "doccano", "-o", str(path))
    before = [s[:3] for s in _spans()]
    Annotation.objects.all().delete()
    Article.objects.all().delete()
    out, _ = _run("import_annotations", str(path), "--format", "doccano", "--user", "bob")
    assert "1 articles created" in out
    assert [s[:3] for s in _spans()] == before


def test_import_annotations_dry_run_and_bad_records_write_nothing(tmp_path, article, alice):
    good = {"text": article.text, "label": [[0, 9, "fact"]]}
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps(good) + "\n")
    out, _ = _run(
        "import_annotations", str(path), "--format", "doccano", "--user", "alice", "--dry-run"
    )
    assert "1 records are valid; nothing written" in out
    assert Annotation.objects.count() == 0
    path.write_text(
        json.dumps(good) + "\n" + json.dumps({"text": article.text, "label": [[0, 9, "x"]]})
    )
    with pytest.raises(CommandError, match="line 2, label 1: there is no tag called 'x'"):
        _run("import_annotations", str(path), "--format", "doccano", "--user", "alice")
    assert Annotation.objects.count() == 0


def test_import_annotations_needs_a_known_user(tmp_path, article):
    path = tmp_path / "x.jsonld"
    path.write_text("[]")
    with pytest.raises(CommandError, match="nobody with the user name 'ghost'"):
        _run("import_annotations", str(path), "--format", "w3c", "--user", "ghost")


def test_import_article_splits_title_and_drops_navigation(tmp_path, alice, tags):
    path = tmp_path / "a.txt"
    path.write_text(
        "The Title\nFirst line.\n\u00a0\nSecond, with a typo: Betssy.\nBack\nTop Bottom\n"
    )
    out, _ = _run("import_article", str(path), "--user", "alice")
    article = Article.objects.get()
    assert out.strip() == "Imported 'The Title' as /articles/the-title/."
    assert article.title == "The Title" and article.created_by == alice
    assert article.text == "First line.\n\u00a0\nSecond, with a typo: Betssy."
    assert article.history.first().history_user == alice


def test_import_article_with_a_title_keeps_the_whole_file(tmp_path, alice, tags):
    path = tmp_path / "a.txt"
    path.write_text("Not a title\nBody.")
    _run("import_article", str(path), "--title", "Given", "--user", "alice", "--slug", "given-1")
    article = Article.objects.get(slug="given-1")
    assert article.title == "Given" and article.text == "Not a title\nBody."


def test_import_article_rejects_an_empty_file(tmp_path, alice, tags):
    path = tmp_path / "a.txt"
    path.write_text("\n\n")
    with pytest.raises(CommandError, match="The file is empty"):
        _run("import_article", str(path), "--user", "alice")
    assert Article.objects.count() == 0


def test_export_command_takes_the_same_filters_and_sentences(db, tags):
    with pytest.raises(CommandError, match="There is no tag called 'rumour'"):
        call_command(
            "export_annotations", "--format", "csv", "--tag", "rumour", stdout=io.StringIO()
        )


def test_prune_events_deletes_only_old_events(article, alice):
    from datetime import timedelta

    from django.utils import timezone

    from annotator.models import Event

    factories.annotate_many(article, alice, 3)
    old = Event.objects.order_by("id")[:2]
    Event.objects.filter(pk__in=[e.pk for e in old]).update(
        created=timezone.now() - timedelta(days=30)
    )
    out = io.StringIO()
    call_command("prune_events", "--days", "7", "--dry-run", stdout=out)
    assert "Would delete 2 event(s)" in out.getvalue() and Event.objects.count() == 3
    call_command("prune_events", "--days", "7", stdout=out)
    assert "Deleted 2 event(s)" in out.getvalue()
    assert Event.objects.count() == 1


def test_prune_import_jobs_fails_orphans_and_deletes_only_old_finished_ones(db, alice):
    from datetime import timedelta

    from django.utils import timezone

    from annotator.models import ImportJob

    now = timezone.now()

    def job(status, finished_days_ago=None, **fields):
        finished = None if finished_days_ago is None else now - timedelta(days=finished_days_ago)
        return ImportJob.objects.create(
            user=alice, source=ImportJob.Source.API, format="doccano", data=b"{}",
            status=status, finished=finished, **fields,
        )  # fmt: skip

    old = job(ImportJob.Status.DONE, 40)
    recent = job(ImportJob.Status.FAILED, 2)
    queued = job(ImportJob.Status.QUEUED)
    orphan = job(
        ImportJob.Status.RUNNING, worker="gone.example:1",
        heartbeat=now - timedelta(days=1), language="es",
    )  # fmt: skip
    out = io.StringIO()
    call_command("prune_import_jobs", "--days", "30", stdout=out)
    assert "Marked 1 import(s) failed" in out.getvalue()
    assert "Deleted 1 import(s) finished over 30 day(s) ago." in out.getvalue()
    remaining = dict(ImportJob.objects.values_list("pk", "status"))
    assert remaining == {recent.pk: "failed", queued.pk: "queued", orphan.pk: "failed"}
    assert old.pk not in remaining
    orphan.refresh_from_db()
    assert orphan.error["code"] == "interrupted" and bytes(orphan.data) == b""
    # The command runs in English; the sentence is in the language its starter used.
    assert orphan.error["detail"].startswith("La importación se detuvo antes de terminar")
    with pytest.raises(CommandError, match="--days must be 0 or more"):
        call_command("prune_import_jobs", "--days", "-1", stdout=out)
