"""Every write path writes history with the acting person.

The pages, the API, the admin and the management commands are enumerated here; each is
driven once and must leave new revisions naming who acted. Every URL of the app must be
listed as a write path or as read-only, so a new endpoint cannot slip past this test.
"""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import get_resolver
from rest_framework.test import APIClient

from annotator import services
from annotator.models import Annotation, Comment, Mention, Review, Tag
from articles.models import Article
from tests import factories

HISTORIES = [Article, Tag, Annotation, Comment, Review, Mention]

# URL names (namespace:name) that never write.
READ_ONLY = {
    "annotator:article_list",
    "annotator:article_detail",
    "annotator:guidelines",
    "annotator:article_history",
    "annotator:annotation_thread",
    "annotator:review_queue",
    "annotator:mention_list",
    "annotator:person_detail",
    "annotator:article_agreement",
    "annotator:article_disagreements",
    "annotator:project_agreement",
    "annotator:project_disagreements",
    "api:article_agreement",
    "api:export",
    "api:schema",
    "api:docs",
    "api:api-root",
    "api:annotation-history",
    "api:token",  # creates an auth token, which is not content
    "stream:article_stream",
    "stream:my_stream",
    "annotator:article_presence",  # typing and leaving: not content, nothing stored
    "api:article-revisions",
    "annotator:anchor_list",
    "annotator:import_done",
    "api:labelstudio_config",
    "api:w3c_collection",
    "annotator:search",
    "annotator:notification_list",
    "annotator:person_names",
    "api:notifications",
    # A background import's progress: its writes are the import's (api:import).
    "annotator:import_task",
    "api:import_task",
}
WRITE_PATHS = [
    "articles:article_create",
    "annotator:annotation_create",
    "annotator:annotation_update",
    "annotator:annotation_delete",
    "annotator:annotation_restore",
    "annotator:comment_create",
    "annotator:comment_update",
    "annotator:comment_delete",
    "annotator:comment_restore",
    "annotator:review_set",
    "annotator:mentions_mark_read",
    "annotator:article_edit",
    "annotator:annotation_anchor",
    "annotator:annotation_anchor_delete",
    "api:article-list",
    "api:article-detail",
    "api:article_annotations",
    "api:annotation-detail",
    "api:annotation-detail (DELETE)",
    "api:annotation-restore",
    "api:import",
    "api:annotation_comments",
    "api:comment-detail",
    "api:comment-detail (DELETE)",
    "api:annotation_review",
    "annotator:annotation_settle",
    "annotator:annotation_reopen",
    "api:annotation_settle",
    "api:annotation_settle (DELETE)",
    "annotator:import_page",
    "annotator:annotation_adjust",
    # Marking notifications read marks the mentions among them read (with history).
    "annotator:notifications_mark_read",
    "api:notifications_read",
]


def _latest_rows():
    return {model: model.history.order_by("-history_id").first() for model in HISTORIES}


def _count():
    return sum(model.history.count() for model in HISTORIES)


def _new_rows(before_ids):
    rows = []
    for model in HISTORIES:
        last = before_ids[model]
        rows += list(model.history.filter(history_id__gt=last.history_id if last else 0))
    return rows


@pytest.fixture
def world(db, tags, alice, bob, admin_user):
    article = factories.make_article(created_by=alice)
    mine = factories.annotate(article, alice, "shameful waste", "opinion")
    theirs = factories.annotate(article, bob, "opened in 2019", "fact")
    comment = services.comment_create(annotation=theirs, author=alice, body="Sure? @bob")
    return {"article": article, "mine": mine, "theirs": theirs, "comment": comment}


def _as(client, user):
    client.force_login(user)
    return client


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def _pages(client, w, alice, bob, admin_user):
    a, mine, theirs, comment = w["article"], w["mine"], w["theirs"], w["comment"]
    text = a.text
    start = text.index("Traffic")
    return {
        "articles:article_create": lambda: (
            _as(client, alice).post("/articles/new/", {"title": "New", "text": "Body."}),
            alice,
        ),
        "annotator:annotation_create": lambda: (
            _as(client, alice).post(
                f"/articles/{a.slug}/annotations/",
                {"start": start, "end": start + 7, "tag": "fact"},
            ),
            alice,
        ),
        "annotator:annotation_update": lambda: (
            _as(client, alice).post(
                f"/annotations/{mine.pk}/edit/", {"tag": "fact", "note": "n", "version": 1}
            ),
            alice,
        ),
        "annotator:annotation_delete": lambda: (
            _as(client, alice).post(f"/annotations/{mine.pk}/delete/", {"version": 1}),
            alice,
        ),
        "annotator:annotation_restore": lambda: (
            services.annotation_delete(annotation=mine, actor=alice),
            _as(client, alice).post(f"/annotations/{mine.pk}/restore/"),
            alice,
        )[1:],
        "annotator:comment_create": lambda: (
            _as(client, bob).post(f"/annotations/{theirs.pk}/comments/", {"body": "Yes."}),
            bob,
        ),
        "annotator:comment_update": lambda: (
            _as(client, alice).post(f"/comments/{comment.pk}/edit/", {"body": "Sure?"}),
            alice,
        ),
        "annotator:comment_delete": lambda: (
            _as(client, alice).post(f"/comments/{comment.pk}/delete/"),
            alice,
        ),
        "annotator:comment_restore": lambda: (
            services.comment_delete(comment=comment, actor=alice),
            _as(client, alice).post(f"/comments/{comment.pk}/restore/"),
            alice,
        )[1:],
        "annotator:review_set": lambda: (
            _as(client, alice).post(f"/annotations/{theirs.pk}/review/", {"verdict": "agree"}),
            alice,
        ),
        "annotator:mentions_mark_read": lambda: (
            _as(client, bob).post("/mentions/read/"),
            bob,
        ),
        "annotator:article_edit": lambda: _edit_page(client, a, alice),
        "annotator:annotation_anchor": lambda: (
            _as(client, alice).post(
                f"/annotations/{mine.pk}/anchor/",
                {"words": "It is a shameful waste", "version": 1},
            ),
            alice,
        ),
        "annotator:annotation_anchor_delete": lambda: (
            services.article_revise(
                article=a, actor=alice, text=a.text.replace("shameful waste", "waste")
            ),
            _as(client, alice).post(f"/annotations/{mine.pk}/anchor/delete/", {"version": 2}),
            alice,
        )[1:],
        "api:article-list": lambda: (
            _api(bob).post("/api/articles/", {"title": "By API", "text": "Body."}, format="json"),
            bob,
        ),
        "api:article-detail": lambda: (
            _api(alice).patch(
                f"/api/articles/{a.slug}/",
                {"text": "Preface.\n\n" + a.text, "reason": "Added a preface."},
                format="json",
                HTTP_IF_MATCH=a.etag,
            ),
            alice,
        ),
        "api:article_annotations": lambda: (
            _api(bob).post(
                f"/api/articles/{a.slug}/annotations/",
                {"start": start, "end": start + 7, "tag": "speculation"},
                format="json",
            ),
            bob,
        ),
        "api:annotation-detail": lambda: (
            _api(alice).patch(
                f"/api/annotations/{mine.pk}/",
                {"note": "api"},
                format="json",
                HTTP_IF_MATCH=f'"{mine.pk}-1"',
            ),
            alice,
        ),
        "api:annotation-restore": lambda: (
            services.annotation_delete(annotation=mine, actor=alice),
            _api(alice).post(f"/api/annotations/{mine.pk}/restore/", {}, format="json"),
            alice,
        )[1:],
        "api:import": lambda: (
            _api(bob).post(
                "/api/import/?format=doccano",
                json.dumps({"text": a.text, "label": [[0, 9, "fact"]]}),
                content_type="application/json",
            ),
            bob,
        ),
        "api:annotation_comments": lambda: (
            _api(bob).post(
                f"/api/annotations/{theirs.pk}/comments/", {"body": "Ok"}, format="json"
            ),
            bob,
        ),
        "api:comment-detail": lambda: (
            _api(alice).patch(f"/api/comments/{comment.pk}/", {"body": "Sure."}, format="json"),
            alice,
        ),
        "api:comment-detail (DELETE)": lambda: (
            _api(alice).delete(f"/api/comments/{comment.pk}/"),
            alice,
        ),
        "api:annotation_review": lambda: (
            _api(bob).put(
                f"/api/annotations/{mine.pk}/review/", {"verdict": "agree"}, format="json"
            ),
            bob,
        ),
        "api:annotation-detail (DELETE)": lambda: (
            _api(alice).delete(f"/api/annotations/{mine.pk}/", HTTP_IF_MATCH=f'"{mine.pk}-1"'),
            alice,
        ),
        "annotator:annotation_settle": lambda: (
            _as(client, factories.make_curator(bob)).post(
                f"/annotations/{mine.pk}/settle/", {"tag": "fact", "reason": "Checkable."}
            ),
            bob,
        ),
        "annotator:annotation_reopen": lambda: (
            _settled(mine, factories.make_curator(bob)),
            _as(client, bob).post(f"/annotations/{mine.pk}/reopen/"),
            bob,
        )[1:],
        "api:annotation_settle": lambda: (
            _api(factories.make_curator(bob)).post(
                f"/api/annotations/{mine.pk}/settle/",
                {"tag": "fact", "reason": "Checkable."},
                format="json",
            ),
            bob,
        ),
        "api:annotation_settle (DELETE)": lambda: (
            _settled(mine, factories.make_curator(bob)),
            _api(bob).delete(f"/api/annotations/{mine.pk}/settle/"),
            bob,
        )[1:],
        "annotator:import_page": lambda: _import_page(client, a, bob),
        "annotator:annotation_adjust": lambda: (
            _as(client, alice).post(
                f"/annotations/{mine.pk}/adjust/",
                {
                    "start": text.index("shameful"),
                    "end": text.index(" waste"),
                    "quote": "shameful",
                    "version": 1,
                },
            ),  # fmt: skip
            alice,
        ),
        "annotator:notifications_mark_read": lambda: (
            _as(client, bob).post("/notifications/read/"),
            bob,
        ),
        "api:notifications_read": lambda: (
            _api(bob).post("/api/notifications/read/", {}, format="json"),
            bob,
        ),
    }


def _edit_page(client, article, user):
    """Preview, then save exactly what was previewed (the fingerprint the page sends)."""
    import re

    data = {"title": article.title, "text": "Preface.\n\n" + article.text, "reason": "r",
            "version": article.version, "action": "preview"}  # fmt: skip
    preview = _as(client, user).post(f"/articles/{article.slug}/edit/", data)
    fingerprint = re.search(r'name="previewed" value="(\w+)"', preview.content.decode()).group(1)
    saved = client.post(
        f"/articles/{article.slug}/edit/", {**data, "action": "save", "previewed": fingerprint}
    )
    return saved, user


def _import_page(client, article, user):
    """Preview a file on the import page, then import what was previewed."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    line = json.dumps({"text": article.text, "label": [[0, 9, "fact"]]}).encode()
    file = SimpleUploadedFile("x.doccano.jsonl", line)
    preview = _as(client, user).post("/import/", {"file": file, "action": "preview"})
    digest = preview.context["upload"].digest
    return client.post("/import/", {"action": "import", "upload": digest}), user


def _settled(annotation, curator):
    return services.annotation_settle(
        annotation=annotation, actor=curator, tag="fact", reason="Checkable."
    )


def test_every_url_is_classified():
    names = set()

    def walk(patterns, namespace=None):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns, p.namespace or namespace)
            elif namespace in {"articles", "annotator", "api"} and p.name:
                names.add(f"{namespace}:{p.name}")

    walk(get_resolver().url_patterns)
    paths = {name.split(" ")[0] for name in WRITE_PATHS}
    unclassified = names - READ_ONLY - paths
    assert not unclassified, f"classify these URLs in {__file__}: {sorted(unclassified)}"


@pytest.mark.parametrize("name", WRITE_PATHS)
def test_each_write_path_records_who_acted(name, client, world, alice, bob, admin_user):
    run = _pages(client, world, alice, bob, admin_user)[name]
    before = _latest_rows()
    response, actor = run()
    assert response.status_code < 400, getattr(response, "content", b"")[:300]
    rows = _new_rows(before)
    assert rows, f"{name} wrote no history"
    assert {row.history_user for row in rows} == {actor}, name


@pytest.mark.parametrize(
    ("model", "path", "data"),
    [
        (
            "tag",
            "add",
            {"key": "satire", "label": "Satire", "shortcut": "x", "colour": "#dddddd", "order": 4},
        ),
        ("article", "add", {"slug": "adm", "title": "Admin", "text": "Body.", "language": "en"}),
    ],
)
def test_admin_adds_record_the_admin(admin_client, admin_user, world, model, path, data):
    app = "annotator" if model == "tag" else "articles"
    before = _latest_rows()
    response = admin_client.post(f"/admin/{app}/{model}/{path}/", data)
    assert response.status_code == 302, response.content[:500]
    rows = _new_rows(before)
    assert rows and {row.history_user for row in rows} == {admin_user}


def test_admin_changes_through_the_service_and_cannot_hard_delete(admin_client, admin_user, world):
    mine = world["mine"]
    before = _latest_rows()
    response = admin_client.post(
        f"/admin/annotator/annotation/{mine.pk}/change/",
        {
            "article": mine.article_id,
            "author": mine.author_id,
            "tag": Tag.objects.get(key="fact").pk,
            "note": "moderated",
            "deleted_at_0": "",
            "deleted_at_1": "",
        },
    )
    assert response.status_code == 302, response.content[:800]
    mine.refresh_from_db()
    assert (mine.tag.key, mine.version) == ("fact", 2)  # admins bump the version too
    assert mine.history.first().history_change_reason == "changed in admin"
    comment = world["comment"]
    response = admin_client.post(f"/admin/annotator/comment/{comment.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    response = admin_client.post(f"/admin/annotator/annotation/{mine.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Comment.objects.filter(pk=comment.pk).exists()
    rows = _new_rows(before)
    assert {(row.history_type, row.history_user) for row in rows} == {("~", admin_user)}


def test_commands_record_the_named_user(world, tmp_path, alice, bob):
    raw = Path(tmp_path / "story.txt")
    raw.write_text("A Story\n\nIt rained on Monday.\n", encoding="utf-8")
    before = _latest_rows()
    call_command("import_article", str(raw), "--user", "bob", stdout=StringIO(), stderr=StringIO())
    story = Article.objects.get(title="A Story")
    doccano = tmp_path / "labels.jsonl"
    doccano.write_text(json.dumps({"text": story.text, "label": [[0, 9, "fact"]]}) + "\n")
    call_command(
        "import_annotations",
        str(doccano),
        "--format",
        "doccano",
        "--user",
        "alice",
        stdout=StringIO(),
        stderr=StringIO(),
    )
    rows = _new_rows(before)
    assert {(type(r).__name__, r.history_user.username) for r in rows} == {
        ("HistoricalArticle", "bob"),
        ("HistoricalAnnotation", "alice"),
    }


def test_setup_demo_records_the_admin_and_the_authors(db, tags):
    call_command("setup_demo", stdout=StringIO())
    article = Article.objects.get()
    assert article.history.get().history_user.username == "admin"
    for a in Annotation.objects.all():
        assert a.history.get().history_user == a.author
