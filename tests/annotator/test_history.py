"""Every create, update and delete of each model leaves a revision with the acting user."""

from annotator import services
from annotator.models import Comment, Review, Tag
from articles.models import Article
from tests import factories


def _history_types(obj):
    return [(h.history_type, h.history_user) for h in obj.history.order_by("history_id")]


def test_article_revisions_name_the_user(alice):
    factories.ensure_default_tags()
    article = factories.make_article(created_by=alice)
    article.title = "The Bridge, revised"
    article._history_user = alice
    article.save()
    assert _history_types(article) == [("+", alice), ("~", alice)]
    pk = article.pk
    article._history_user = alice
    article.delete()
    assert Article.history.filter(id=pk).latest("history_id").history_type == "-"
    assert Article.history.filter(id=pk).latest("history_id").history_user == alice


def test_annotation_create_change_delete_are_revisions(article, alice):
    annotation = factories.annotate(article, alice, "shameful waste", "fact")
    services.annotation_update(annotation=annotation, actor=alice, version=1, tag="opinion")
    services.annotation_delete(annotation=annotation, actor=alice, version=2)
    rows = list(annotation.history.order_by("history_id"))
    assert [(r.history_type, r.history_user, r.tag.key, r.version) for r in rows] == [
        ("+", alice, "fact", 1),
        ("~", alice, "opinion", 2),
        ("~", alice, "opinion", 3),
    ]
    assert rows[-1].deleted_at is not None
    assert [r.history_change_reason for r in rows] == [None, "changed", "deleted"]


def test_tag_revisions_name_the_user(tags, alice):
    tag = Tag(key="satire", label="Satire", shortcut="x", colour="#dddddd")
    tag._history_user = alice
    tag.save()
    tag.label = "Satire or parody"
    tag._history_user = alice
    tag.save()
    tag._history_user = alice
    tag.delete()
    rows = Tag.history.filter(key="satire").order_by("history_id")
    assert [(r.history_type, r.history_user) for r in rows] == [
        ("+", alice),
        ("~", alice),
        ("-", alice),
    ]


def test_comment_and_review_revisions_name_the_user(article, alice, bob):
    annotation = factories.annotate(article, alice, "shameful waste", "opinion")
    comment = Comment(annotation=annotation, author=bob, body="Is this really opinion?")
    comment._history_user = bob
    comment.save()
    comment.body = "Is this really an opinion?"
    comment._history_user = bob
    comment.save()
    review = Review(annotation=annotation, reviewer=bob, verdict="agree")
    review._history_user = bob
    review.save()
    review.verdict = "disagree"
    review._history_user = bob
    review.save()
    for obj in (comment, review):
        pk = obj.pk
        obj._history_user = bob
        obj.delete()
        rows = type(obj).history.filter(id=pk).order_by("history_id")
        assert [(r.history_type, r.history_user) for r in rows] == [
            ("+", bob),
            ("~", bob),
            ("-", bob),
        ]


def test_page_requests_record_the_signed_in_user(alice_client, article, alice):
    response = alice_client.post(
        f"/articles/{article.slug}/annotations/",
        {"start": 0, "end": 8, "quote": "Official", "tag": "fact"},
    )
    assert response.status_code == 302
    annotation = article.annotations.get()
    assert annotation.history.get().history_user == alice
