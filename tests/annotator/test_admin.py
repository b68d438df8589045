"""The admin writes through the services and never hard-deletes what others rely on."""

import pytest
from django.db.models import ProtectedError

from annotator import services
from annotator.models import Comment, Review
from articles.models import Article
from tests import factories


@pytest.fixture
def world(article, alice, bob):
    annotation = factories.annotate(article, alice, "shameful waste", "opinion")
    comment = services.comment_create(annotation=annotation, author=bob, body="Really?")
    review, _ = services.review_set(annotation=annotation, reviewer=bob, verdict="agree")
    return {"annotation": annotation, "comment": comment, "review": review}


def _change_form(admin_client, article) -> dict:
    page = admin_client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert 'name="text"' in page and 'name="reason"' in page
    return {"title": article.title, "text": article.text, "language": "en",
            "base_version": article.version, "reason": ""}  # fmt: skip


def test_the_admin_revises_the_text_through_the_service_carrying_annotations(
    admin_client, article, world
):
    data = _change_form(admin_client, article)
    data.update(
        text="Update: officials said the bridge opened in 2019.\n\n"
        "It is a shameful waste of money.",
        reason="Added the update line; cut the forecast.",
    )
    response = admin_client.post(f"/admin/articles/article/{article.pk}/change/", data)
    assert response.status_code == 302, response.content[:800]
    article.refresh_from_db()
    assert article.version == 2 and article.text.startswith("Update: ")
    assert article.revision_reason == "Added the update line; cut the forecast."
    assert article.history.first().history_change_reason == "revised: 1 exact, 0 moved, 0 orphaned"
    annotation = world["annotation"]
    annotation.refresh_from_db()
    assert article.text[annotation.start : annotation.end] == "shameful waste"
    assert annotation.anchor == "exact"


def test_the_admin_changes_metadata_without_a_text_revision(admin_client, article):
    data = _change_form(admin_client, article)
    data.update(byline="By the desk")
    response = admin_client.post(f"/admin/articles/article/{article.pk}/change/", data)
    assert response.status_code == 302, response.content[:800]
    article.refresh_from_db()
    assert (article.byline, article.text, article.version) == (
        "By the desk",
        factories.SAMPLE_TEXT,
        2,
    )
    assert article.history.first().history_change_reason == "changed"


def test_the_admin_refuses_a_revision_based_on_an_old_version(admin_client, article, alice):
    data = _change_form(admin_client, article)
    services.article_revise(article=article, actor=alice, title="Meanwhile", reason="")
    data.update(text="Rewritten.")
    response = admin_client.post(f"/admin/articles/article/{article.pk}/change/", data)
    assert response.status_code == 200
    assert "changed by alice meanwhile" in response.content.decode()
    article.refresh_from_db()
    assert (article.title, article.text, article.version) == ("Meanwhile", factories.SAMPLE_TEXT, 2)


def test_the_admin_refuses_a_blank_text_and_writes_nothing(admin_client, article):
    data = _change_form(admin_client, article)
    data.update(text="   \n ")
    response = admin_client.post(f"/admin/articles/article/{article.pk}/change/", data)
    assert (
        response.status_code == 200 and "An article needs some text." in response.content.decode()
    )
    article.refresh_from_db()
    assert (article.text, article.version, article.history.count()) == (factories.SAMPLE_TEXT, 1, 1)


def test_an_article_with_annotations_cannot_be_deleted(admin_client, article, world):
    response = admin_client.post(f"/admin/articles/article/{article.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200 and "Cannot delete" in response.content.decode()
    assert Article.objects.filter(pk=article.pk).exists()
    with pytest.raises(ProtectedError):
        article.delete()


def test_an_article_without_annotations_can_be_deleted(admin_client, article):
    response = admin_client.post(f"/admin/articles/article/{article.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Article.objects.filter(pk=article.pk).exists()


def test_comments_and_verdicts_are_shown_but_not_changed(admin_client, world):
    comment, review = world["comment"], world["review"]
    assert admin_client.get(f"/admin/annotator/comment/{comment.pk}/change/").status_code == 200
    response = admin_client.post(
        f"/admin/annotator/comment/{comment.pk}/change/", {"body": "rewritten by admin"}
    )
    assert response.status_code == 403
    response = admin_client.post(f"/admin/annotator/review/{review.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Comment.objects.get(pk=comment.pk).body == "Really?"
    assert Review.objects.filter(pk=review.pk).exists()


def test_posting_from_the_history_page_goes_through_the_services(admin_client, world, bob, tags):
    annotation, comment = world["annotation"], world["comment"]
    services.annotation_update(annotation=annotation, actor=annotation.author, tag="fact")
    first = annotation.history.order_by("history_id").first()
    url = f"/admin/annotator/annotation/{annotation.pk}/history/{first.history_id}/"
    response = admin_client.post(url, {"tag": tags["speculation"].pk, "note": "moderated"})
    assert response.status_code == 302, response.content[:800]
    annotation.refresh_from_db()
    assert (annotation.tag.key, annotation.note, annotation.version) == (
        "speculation", "moderated", 3,
    )  # fmt: skip
    assert annotation.history.first().history_change_reason == "changed in admin"
    services.comment_update(comment=comment, actor=bob, body="Really, really?")
    old = comment.history.order_by("history_id").first()
    url = f"/admin/annotator/comment/{comment.pk}/history/{old.history_id}/"
    assert admin_client.post(url, {"body": old.body}).status_code == 403
    assert Comment.objects.get(pk=comment.pk).body == "Really, really?"


def test_admin_actions_delete_nothing_in_bulk(admin_client, world):
    page = admin_client.get("/admin/annotator/annotation/").content.decode()
    assert "delete_selected" not in page


def test_an_admin_makes_someone_a_curator_in_the_admin(admin_client, world, bob):
    """Curators are the members of the group 'curators' (made by a migration), given
    on the user's page in the admin."""
    from django.contrib.auth.models import Group

    from annotator.models import is_curator

    group = Group.objects.get(name="curators")
    page = admin_client.get(f"/admin/auth/user/{bob.pk}/change/")
    assert page.status_code == 200 and f'value="{group.pk}"' in page.content.decode()
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data |= {
        "groups": [group.pk], "user_permissions": [],
        "date_joined_0": bob.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": bob.date_joined.strftime("%H:%M:%S"),
        "is_active": "on",
    }  # fmt: skip
    response = admin_client.post(f"/admin/auth/user/{bob.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    bob.refresh_from_db()
    assert is_curator(bob)
    annotation = world["annotation"]
    services.annotation_settle(annotation=annotation, actor=bob, tag="fact", reason="Yes.")
    change = admin_client.get(f"/admin/annotator/annotation/{annotation.pk}/change/")
    assert "Yes." in change.content.decode()  # the settlement, shown read-only
