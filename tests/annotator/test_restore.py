"""Restore: undo a delete, return to an earlier revision, bring a comment back."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from annotator import services
from annotator.models import Annotation
from tests import factories

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def edited(article, alice):
    """An annotation tagged fact, then changed to opinion with a note, then deleted."""
    a = factories.annotate(article, alice, "shameful waste", "fact", note="first thought")
    services.annotation_update(
        annotation=a, actor=alice, version=1, tag="opinion", note="second thought"
    )
    services.annotation_delete(annotation=a, actor=alice, version=2)
    a.refresh_from_db()
    return a


def _first_revision(a):
    return a.history.order_by("history_id").first().history_id


def test_undo_a_delete_is_a_new_revision(edited, alice):
    a = services.annotation_restore(annotation=edited, actor=alice)
    assert (a.deleted_at, a.tag.key, a.note, a.version) == (None, "opinion", "second thought", 4)
    latest = a.history.first()
    assert (latest.history_change_reason, latest.history_user) == ("restored", alice)


def test_return_to_an_earlier_revision(edited, alice):
    first = _first_revision(edited)
    a = services.annotation_restore(annotation=edited, actor=alice, revision=first)
    assert (a.deleted_at, a.tag.key, a.note, a.version) == (None, "fact", "first thought", 4)
    assert a.history.first().history_change_reason == f"restored to revision {first}"
    assert a.history.count() == 4  # nothing rewritten, one revision more


def test_an_admin_may_restore_and_others_may_not(edited, bob, admin_user):
    with pytest.raises(PermissionDenied):
        services.annotation_restore(annotation=edited, actor=bob)
    assert Annotation.objects.get(pk=edited.pk).is_deleted
    a = services.annotation_restore(annotation=edited, actor=admin_user)
    assert not a.is_deleted and a.history.first().history_user == admin_user


def test_bad_restores_say_why(edited, alice):
    deletion = edited.history.first().history_id
    with pytest.raises(ValidationError, match="is a deletion"):
        services.annotation_restore(annotation=edited, actor=alice, revision=deletion)
    with pytest.raises(ValidationError, match="has no revision 999999"):
        services.annotation_restore(annotation=edited, actor=alice, revision=999999)
    with pytest.raises(services.StaleVersion):
        services.annotation_restore(annotation=edited, actor=alice, version=1)
    services.annotation_restore(annotation=edited, actor=alice)
    with pytest.raises(ValidationError, match="not deleted"):
        services.annotation_restore(annotation=edited, actor=alice)


def test_comment_restore(article, alice, bob):
    a = factories.annotate(article, alice, "shameful waste", "opinion")
    comment = services.comment_create(annotation=a, author=bob, body="Loaded words.")
    services.comment_delete(comment=comment, actor=bob)
    with pytest.raises(PermissionDenied):
        services.comment_restore(comment=comment, actor=alice)
    restored = services.comment_restore(comment=comment, actor=bob)
    assert restored.deleted_at is None and restored.body == "Loaded words."
    assert restored.history.first().history_change_reason == "restored"


def test_history_page_offers_restores_to_the_author_only(client, edited, alice, bob):
    url = f"/articles/{edited.article.slug}/history/"
    client.force_login(alice)
    html = client.get(url).content.decode()
    assert html.count("Return to this revision") == 2 and "Undo this delete" in html
    client.force_login(bob)
    html = client.get(url).content.decode()
    assert "Return to this revision" not in html and "Undo this delete" not in html
    first = _first_revision(edited)
    response = client.post(f"/annotations/{edited.pk}/restore/", {"revision": first})
    assert response.status_code == 302
    assert Annotation.objects.get(pk=edited.pk).is_deleted


def test_return_to_a_revision_from_the_history_page(client, edited, alice):
    client.force_login(alice)
    url = f"/articles/{edited.article.slug}/history/"
    first = _first_revision(edited)
    response = client.post(
        f"/annotations/{edited.pk}/restore/", {"revision": first, "next": url}, follow=True
    )
    assert response.redirect_chain[-1][0] == url
    html = response.content.decode()
    assert f"restored to revision {first}" in html
    assert re.search(r"action-restored\">restored</span>", html)
    a = Annotation.objects.get(pk=edited.pk)
    assert (a.tag.key, a.note, a.deleted_at) == ("fact", "first thought", None)


def test_the_reader_offers_undo_right_after_a_delete(alice_client, article, alice):
    a = factories.annotate(article, alice, "shameful waste", "opinion")
    json = {"HTTP_ACCEPT": "application/json"}
    body = alice_client.post(f"/annotations/{a.pk}/delete/", {"version": 1}, **json).json()
    assert body["undo"]["url"] == f"/annotations/{a.pk}/restore/"
    response = alice_client.post(body["undo"]["url"], {"version": body["undo"]["version"]}, **json)
    assert response.status_code == 200
    event = response.json()["event"]
    assert event["kind"] == "annotation.restored" and event["data"]["deleted"] is False
    assert "shameful waste</mark>" in alice_client.get(article.get_absolute_url()).content.decode()
    a.refresh_from_db()
    assert (a.deleted_at, a.version) == (None, 3)


def test_the_readers_restore_refusals_match_the_api(edited, client, alice, bob):
    """A bad revision or a restore with nothing to undo is a 400 naming it, as the API
    answers; only a restore based on an old version is a 409; another's is a 403."""
    url, json = f"/annotations/{edited.pk}/restore/", {"HTTP_ACCEPT": "application/json"}
    client.force_login(bob)
    refused = client.post(url, {"version": edited.version}, **json)
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    client.force_login(alice)
    for form, status, code in [
        ({"revision": 999999}, 400, "revision"),
        ({"revision": "first"}, 400, "invalid"),  # the form: "revision: Enter a whole number."
        ({"version": edited.version - 1}, 409, "stale"),
    ]:
        response = client.post(url, form, **json)
        assert (response.status_code, response.json()["code"]) == (status, code), form
        assert response.json()["detail"]
    assert client.post(url, {"version": edited.version}, **json).status_code == 200
    again = client.post(url, {}, **json)
    assert (again.status_code, again.json()["code"]) == (400, "not_deleted")
    assert "not deleted" in again.json()["detail"]
    assert Annotation.objects.get(pk=edited.pk).version == edited.version + 1


def test_a_stale_edit_shows_the_current_state_and_keeps_mine(alice_client, article, alice):
    a = factories.annotate(article, alice, "shameful waste", "opinion", note="mine")
    services.annotation_update(annotation=a, actor=alice, version=1, note="from another tab")
    response = alice_client.post(
        f"/annotations/{a.pk}/edit/", {"tag": "fact", "note": "my edit", "version": 1}, **HX
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="ann-edit">')
    assert "changed by alice meanwhile" in html
    assert "“from another tab”" in html  # the current state
    # Only I changed the tag: mine. We both changed the note: both, mine chosen.
    assert '<option value="fact" selected>' in html
    assert '<input type="radio" name="note" value="my edit" checked>' in html
    assert '<input type="radio" name="note" value="from another tab">' in html
    assert '<input type="hidden" name="version" value="2">' in html
    assert "Apply my change again" in html
    again = alice_client.post(
        f"/annotations/{a.pk}/edit/", {"tag": "fact", "note": "my edit", "version": 2}, **HX
    )
    assert again.status_code == 302
    a.refresh_from_db()
    assert (a.tag.key, a.note, a.version) == ("fact", "my edit", 3)


def test_api_restore_to_a_revision_and_stale_if_match(edited, alice):
    api = APIClient()
    api.force_authenticate(alice)
    first = _first_revision(edited)
    stale = api.post(
        f"/api/annotations/{edited.pk}/restore/",
        {"revision": first},
        format="json",
        HTTP_IF_MATCH=f'"{edited.pk}-1"',
    )
    assert stale.status_code == 412 and stale.json()["code"]
    response = api.post(
        f"/api/annotations/{edited.pk}/restore/",
        {"revision": first},
        format="json",
        HTTP_IF_MATCH=f'"{edited.pk}-3"',
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["tag"], body["note"], body["version"]) == ("fact", "first thought", 4)
    assert response["ETag"] == f'"{edited.pk}-4"'
    bad = api.post(f"/api/annotations/{edited.pk}/restore/", {"revision": "x"}, format="json")
    assert bad.status_code == 400 and "revision" in bad.json()["detail"].lower()
    history = api.get(f"/api/annotations/{edited.pk}/history/").json()
    assert history[0]["action"] == "restored" and history[0]["user"] == "alice"
