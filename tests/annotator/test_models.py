import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from annotator import services
from annotator.models import Annotation, Review, Tag
from tests import factories


@pytest.mark.django_db
def test_three_tags_exist_after_migrate():
    tags = {t.key: t for t in Tag.objects.all()}
    assert set(tags) >= {"fact", "opinion", "speculation"}
    assert [tags[k].shortcut for k in ("fact", "opinion", "speculation")] == ["f", "o", "s"]
    for tag in tags.values():
        assert tag.description and tag.colour.startswith("#") and tag.label


def _raw_annotation(article, author, tag, **fields):
    values = {"start": 0, "end": 5, "quote": "Offic"} | fields
    return Annotation.objects.create(article=article, author=author, tag=tag, **values)


@pytest.mark.parametrize(("start", "end"), [(-1, 5), (5, 5), (9, 3)])
def test_database_refuses_bad_offsets(article, alice, tags, start, end):
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_annotation(article, alice, tags["fact"], start=start, end=end)
    assert Annotation.objects.count() == 0


def test_database_refuses_a_second_review_by_the_same_reviewer(article, alice, bob, tags):
    annotation = _raw_annotation(article, alice, tags["fact"])
    Review.objects.create(annotation=annotation, reviewer=bob, verdict="agree")
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(annotation=annotation, reviewer=bob, verdict="disagree")
    assert Review.objects.count() == 1


def test_database_refuses_a_colour_that_is_not_hex(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(key="satire", label="Satire", shortcut="x", colour="red")


def test_status_is_derived_from_reviews(article, alice, bob, carol):
    annotation = factories.annotate(article, alice, "shameful waste", "opinion")
    assert annotation.status == "pending"
    Review.objects.create(annotation=annotation, reviewer=bob, verdict="agree")
    assert Annotation.objects.with_status().get().status == "accepted"
    Review.objects.create(annotation=annotation, reviewer=carol, verdict="disagree")
    assert Annotation.objects.with_status().get().status == "disputed"
    assert Annotation.objects.get().status == "disputed"


def test_setup_demo_is_idempotent(db, tags):
    from django.contrib.auth import get_user_model

    from articles.models import Article

    call_command("setup_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("setup_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    users = get_user_model().objects
    assert users.filter(username__in=["alice", "bob", "carol", "admin"]).count() == 4
    assert users.get(username="admin").is_superuser
    assert not users.get(username="alice").is_staff
    article = Article.objects.get(title="The Situation in Mexico")
    assert article.annotations.count() == 10  # demo annotations, loaded once
    assert {a.author.username for a in article.annotations.all()} == {"alice", "bob", "carol"}
    assert users.get(username="bob").check_password("bob-demo-2026")
    from annotator.models import is_curator

    assert [is_curator(users.get(username=n)) for n in ("alice", "carol")] == [False, True]


def test_setup_demo_dry_run_writes_nothing(db, tags):
    from io import StringIO

    from django.contrib.auth import get_user_model

    from articles.models import Article

    out = StringIO()
    call_command("setup_demo", "--dry-run", stdout=out)
    assert "Would load article" in out.getvalue()
    assert not Article.objects.exists()
    assert not get_user_model().objects.exists()


def test_permissions_are_the_models_rules(article, alice, bob):
    from django.contrib.auth.models import AnonymousUser

    admin = factories.make_user("root", is_staff=True)
    annotation = factories.annotate(article, alice, "shameful waste", "opinion")
    comment = services.comment_create(annotation=annotation, author=bob, body="Hm")
    anonymous = AnonymousUser()
    assert [annotation.is_editable_by(u) for u in (alice, bob, admin, anonymous)] == [
        True, False, False, False,
    ]  # fmt: skip
    assert [annotation.is_restorable_by(u) for u in (alice, bob, admin, anonymous)] == [
        True, False, True, False,
    ]  # fmt: skip
    assert [annotation.is_reviewable_by(u) for u in (alice, bob, admin, anonymous)] == [
        False, True, True, False,
    ]  # fmt: skip
    assert [comment.is_editable_by(u) for u in (alice, bob, admin)] == [False, True, False]
    assert [comment.is_restorable_by(u) for u in (alice, bob, admin)] == [False, True, True]
    services.annotation_delete(annotation=annotation, actor=alice)
    annotation.refresh_from_db()
    assert not annotation.is_editable_by(alice) and annotation.is_restorable_by(alice)
    assert not annotation.is_reviewable_by(bob)
