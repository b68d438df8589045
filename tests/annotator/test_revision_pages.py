"""The pages of article revisions: edit with a preview, anchors to check, selecting an
annotation's words again, the reader's notice, reading an earlier revision, history."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotator import services
from annotator.models import Annotation
from tests import factories

NEW_TEXT = (
    "Update: the ministry corrected its figures.\n\n"
    "Officials said the bridge opened in 2019.\n\n"
    "It is a shameful and costly waste of money."
)


def curator(name="cora"):
    return factories.make_curator(factories.make_user(name))


@pytest.fixture
def annotated(article, alice, bob, carol):
    return {
        "bridge": factories.annotate(article, alice, "the bridge opened in 2019", "fact"),
        "waste": factories.annotate(article, bob, "a shameful waste of money", "opinion"),
        "traffic": factories.annotate(article, carol, "Traffic will probably double"),
    }


def _edit(client, article, **fields):
    data = {"title": article.title, "text": article.text, "reason": "", "version": article.version}
    return client.post(f"/articles/{article.slug}/edit/", {**data, **fields})


def _fingerprint(html: str) -> str:
    return re.search(r'name="previewed" value="(\w+)"', html).group(1)


# The edit page --------------------------------------------------------------------------


def test_the_creator_opens_the_edit_page_with_the_current_text(alice_client, article):
    html = alice_client.get(f"/articles/{article.slug}/edit/").content.decode()
    assert "Edit the article" in html and "Officials said the bridge opened in 2019." in html
    assert 'name="version" value="1"' in html and "Preview the changes" in html
    assert "Save revision" not in html  # nothing can be saved before a preview


def test_someone_not_allowed_gets_403_on_the_edit_page(client, article, bob, annotated):
    client.force_login(bob)
    assert client.get(f"/articles/{article.slug}/edit/").status_code == 403
    response = _edit(client, article, text=NEW_TEXT, action="save")
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.version == 1


def test_a_curator_may_edit_someone_elses_article(client, article):
    client.force_login(curator())
    assert client.get(f"/articles/{article.slug}/edit/").status_code == 200


def test_the_preview_shows_what_happens_to_annotations_and_writes_nothing(
    alice_client, article, annotated
):
    response = _edit(alice_client, article, text=NEW_TEXT, action="preview")
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"<strong>1</strong> stays on its words", html)
    assert re.search(r"<strong>1</strong> moves with the text", html)
    assert re.search(r"<strong>1</strong> orphaned", html)
    assert "<del>a shameful waste of money</del>" not in html  # moved: a word diff
    assert "a shameful<ins> and costly</ins> waste of money" in html
    assert "<del>Traffic will probably double</del>" in html  # orphaned: its old words
    assert "<ins>Update: the ministry corrected its figures." in html  # the text diff
    assert "Save revision 2" in html
    article.refresh_from_db()
    assert (article.version, article.history.count()) == (1, 1)


def test_saving_what_was_previewed_revises_and_lists_the_anchors_to_check(
    alice_client, article, annotated
):
    preview = _edit(alice_client, article, text=NEW_TEXT, reason="Corrected.", action="preview")
    response = _edit(
        alice_client, article, text=NEW_TEXT, reason="Corrected.", action="save",
        previewed=_fingerprint(preview.content.decode()),
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == f"/articles/{article.slug}/anchors/"
    article.refresh_from_db()
    assert (article.version, article.text, article.revision_reason) == (2, NEW_TEXT, "Corrected.")
    page = alice_client.get(response["Location"]).content.decode()
    assert "Revision 2 saved. 1 annotation kept exactly, 1 moved with the text, 1 orphaned." in page


def test_a_revision_that_flags_nothing_returns_to_the_reader(alice_client, article, annotated):
    text = "Preface.\n\n" + article.text
    preview = _edit(alice_client, article, text=text, action="preview")
    response = _edit(
        alice_client, article, text=text, action="save",
        previewed=_fingerprint(preview.content.decode()),
    )  # fmt: skip
    assert response["Location"] == f"/articles/{article.slug}/"


def test_a_text_changed_after_its_preview_is_previewed_again_not_saved(
    alice_client, article, annotated
):
    preview = _edit(alice_client, article, text=NEW_TEXT, action="preview")
    response = _edit(
        alice_client, article, text=NEW_TEXT + " More.", action="save",
        previewed=_fingerprint(preview.content.decode()),
    )  # fmt: skip
    html = response.content.decode()
    assert response.status_code == 200
    assert "changed after the last preview, so nothing was saved yet" in html
    article.refresh_from_db()
    assert article.version == 1


def test_line_endings_from_the_browser_are_kept_as_the_articles(alice_client, article, annotated):
    crlf = NEW_TEXT.replace("\n", "\r\n")
    preview = _edit(alice_client, article, text=crlf, action="preview")
    _edit(
        alice_client, article, text=crlf, action="save",
        previewed=_fingerprint(preview.content.decode()),
    )  # fmt: skip
    article.refresh_from_db()
    assert article.text == NEW_TEXT and "\r" not in article.text


@pytest.mark.parametrize(
    "fields, status, sentence",
    [
        ({"text": "  \n  "}, 400, "An article needs some text."),
        ({"text": "x" * 500_001}, 400, "longer than 500,000 characters"),
        ({"title": ""}, 400, "This field is required."),
        ({"reason": "r" * 2001}, 400, "the limit is 2,000"),
        ({}, 400, "nothing to save"),
        ({"version": 7}, 409, "changed by"),
    ],
)
def test_bad_edits_say_why_and_write_nothing(
    alice_client, article, annotated, fields, status, sentence
):
    data = {"text": NEW_TEXT} if set(fields) <= {"reason", "version", "title"} and fields else {}
    response = _edit(alice_client, article, action="save", **{**data, **fields})
    assert response.status_code == status
    assert sentence in response.content.decode()
    article.refresh_from_db()
    assert (article.version, article.history.count()) == (1, 1)


def test_a_stale_edit_keeps_the_persons_text_and_offers_a_fresh_start(
    alice_client, article, alice, annotated
):
    services.article_revise(article=article, actor=alice, title="Meanwhile")
    response = _edit(alice_client, article, text=NEW_TEXT, version=1, action="preview")
    html = response.content.decode()
    assert response.status_code == 409
    assert "changed by alice meanwhile (now revision 2)" in html
    assert "Start again from the current revision" in html and "Update: the ministry" in html


# Anchors to check ------------------------------------------------------------------------


@pytest.fixture
def flagged(article, alice, annotated):
    services.article_revise(article=article, actor=alice, text=NEW_TEXT, reason="r")
    return {k: Annotation.objects.get(pk=a.pk) for k, a in annotated.items()}


def test_the_anchors_list_shows_moved_and_orphaned_with_what_each_may_do(
    client, article, flagged, bob
):
    client.force_login(bob)
    html = client.get(f"/articles/{article.slug}/anchors/").content.decode()
    assert "2 to check, 1 of them yours (listed first)" in html
    assert html.index("Moved with the text: check") < html.index("Orphaned: its words are gone")
    assert "<ins>and costly </ins>" in html or "<ins>and costly</ins>" in html
    assert "<del>Traffic will probably double</del>" in html
    assert html.count("It is right here") == 1  # bob's own moved one
    assert html.count("Delete it") == 1  # not carol's orphan
    assert "Its author or a curator resolves it." in html


def test_a_curator_may_resolve_every_flagged_annotation(client, article, flagged):
    client.force_login(curator())
    html = client.get(f"/articles/{article.slug}/anchors/").content.decode()
    assert html.count("Select its words again") == 2 and html.count("Delete it") == 2


def test_confirming_a_moved_annotation_from_the_list(client, article, flagged, bob):
    moved = flagged["waste"]
    client.force_login(bob)
    response = client.post(
        f"/annotations/{moved.pk}/anchor/",
        {"start": moved.start, "end": moved.end, "quote": moved.quote, "version": moved.version},
    )
    assert response.status_code == 302
    moved.refresh_from_db()
    assert (
        moved.anchor == "exact" and moved.history.first().history_change_reason == "anchor checked"
    )


def test_the_anchor_page_suggests_places_and_anchors_to_a_suggestion(
    client, article, flagged, carol
):
    orphan = flagged["traffic"]
    services.article_revise(
        article=article, actor=article.created_by, reason="r",
        text=NEW_TEXT + "\n\nTraffic will likely double next year.",
    )  # fmt: skip
    orphan.refresh_from_db()
    assert orphan.anchor == "orphaned"
    client.force_login(carol)
    html = client.get(f"/annotations/{orphan.pk}/anchor/").content.decode()
    suggestion = re.search(
        r'name="start" value="(\d+)">\s*<input type="hidden" name="end" value="(\d+)">', html
    )
    start, end = map(int, suggestion.groups())
    article.refresh_from_db()
    assert article.text[start:end] == "Traffic will likely double"
    response = client.post(
        f"/annotations/{orphan.pk}/anchor/",
        {"start": start, "end": end, "quote": article.text[start:end], "version": orphan.version},
    )
    assert response.status_code == 302
    orphan.refresh_from_db()
    assert (orphan.anchor, orphan.quote) == ("exact", "Traffic will likely double")


def test_typed_words_found_once_anchor_at_once(client, article, flagged, carol):
    orphan = flagged["traffic"]
    client.force_login(carol)
    response = client.post(
        f"/annotations/{orphan.pk}/anchor/", {"words": " costly waste ", "version": orphan.version}
    )
    assert response.status_code == 302
    orphan.refresh_from_db()
    assert (orphan.anchor, orphan.quote) == ("exact", "costly waste")


def test_typed_words_found_several_times_offer_a_choice(client, article, flagged, carol):
    orphan = flagged["traffic"]
    client.force_login(carol)
    response = client.post(
        f"/annotations/{orphan.pk}/anchor/", {"words": "the", "version": orphan.version}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "appears 2 times: choose one" in html
    assert html.count("Anchor here") == 2
    orphan.refresh_from_db()
    assert orphan.anchor == "orphaned"


@pytest.mark.parametrize(
    "data, status, sentence",
    [
        ({"words": "not in the article"}, 400, "not in the article as typed"),
        ({"words": ""}, 400, "Choose a suggestion, select the words in the text, or type them."),
        ({"start": 0, "end": 9999, "quote": "x"}, 400, "past the end of the article"),
        ({"start": 0, "end": 6, "quote": "nope!!"}, 400, "does not match the article"),
        ({"start": 0, "end": 6, "quote": "Update", "version": 1}, 409, "changed by"),
    ],
)
def test_bad_anchors_say_why_and_change_nothing(
    client, article, flagged, carol, data, status, sentence
):
    orphan = flagged["traffic"]
    client.force_login(carol)
    response = client.post(f"/annotations/{orphan.pk}/anchor/", {"version": orphan.version, **data})
    assert response.status_code == status
    assert sentence in response.content.decode()
    orphan.refresh_from_db()
    assert (orphan.anchor, orphan.version) == ("orphaned", 2)


def test_another_editor_cannot_open_or_post_the_anchor_page(client, article, flagged, bob):
    orphan = flagged["traffic"]
    client.force_login(bob)
    assert client.get(f"/annotations/{orphan.pk}/anchor/").status_code == 403
    response = client.post(
        f"/annotations/{orphan.pk}/anchor/", {"words": "costly", "version": orphan.version}
    )
    assert response.status_code == 403
    assert (
        client.post(
            f"/annotations/{orphan.pk}/anchor/delete/", {"version": orphan.version}
        ).status_code
        == 403
    )
    orphan.refresh_from_db()
    assert orphan.anchor == "orphaned" and not orphan.is_deleted


def test_a_curator_deletes_an_orphan_from_the_list(client, article, flagged):
    orphan = flagged["traffic"]
    client.force_login(curator())
    response = client.post(f"/annotations/{orphan.pk}/anchor/delete/", {"version": orphan.version})
    assert response.status_code == 302
    orphan.refresh_from_db()
    assert orphan.is_deleted and orphan.history.first().history_user.username == "cora"


# The reader, earlier revisions and history ------------------------------------------------


def test_the_reader_says_revised_and_what_to_check_and_leaves_orphans_out(
    alice_client, article, flagged
):
    html = alice_client.get(f"/articles/{article.slug}/").content.decode()
    assert "Revised on" in html and "2 annotations to check" in html
    assert "Edit the text" in html
    assert 'data-anchor="moved"' in html and "Moved with the text: check" in html
    assert "Traffic will probably double" not in html.split('id="article-source"')[0]
    assert "<span data-total>2</span>" in html  # the orphan is listed under anchors


def test_the_reader_tells_an_author_how_many_to_check_are_theirs(client, article, flagged, bob):
    client.force_login(bob)
    html = client.get(f"/articles/{article.slug}/").content.decode()
    assert "2 annotations to check</a> (1 of them yours)" in html


def test_the_reader_offers_editing_only_to_who_may_revise(client, article, bob):
    client.force_login(bob)
    html = client.get(f"/articles/{article.slug}/").content.decode()
    assert "Edit the text" not in html and "Revised on" not in html


def test_reader_queries_stay_the_same_on_a_revised_article(alice_client, article, alice, bob):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            alice_client.get(f"/articles/{article.slug}/")
        return len(ctx.captured_queries)

    factories.annotate(article, bob, "shameful", "opinion")
    services.article_revise(article=article, actor=alice, text="A.\n\n" + article.text)
    few = count()
    factories.annotate_many(article, bob, 25)
    services.article_revise(article=article, actor=alice, text="B.\n\n" + article.text)
    assert count() == few


def test_an_earlier_revision_reads_as_it_was_with_its_annotations(alice_client, article, flagged):
    html = alice_client.get(f"/articles/{article.slug}/?revision=1").content.decode()
    assert "Revision 1</strong> of 2" in html and "read-only" in html
    assert "Traffic will probably double" in html  # the orphan, on its words then
    assert "Update: the ministry" not in html
    assert "Annotations then" in html and '<span class="badge">3</span>' in html
    assert 'id="picker"' not in html  # no tagging on a past revision
    now = alice_client.get(f"/articles/{article.slug}/?revision=2").content.decode()
    assert "(the current one)" in now and "Update: the ministry" in now


@pytest.mark.parametrize("revision", ["9", "0", "x", ""])
def test_an_unknown_revision_is_404(alice_client, article, revision):
    assert alice_client.get(f"/articles/{article.slug}/?revision={revision}").status_code == 404


def test_an_earlier_revision_reads_in_the_same_queries_however_many_annotations(
    alice_client, article, alice, bob
):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            alice_client.get(f"/articles/{article.slug}/?revision=1")
        return len(ctx.captured_queries)

    factories.annotate(article, bob, "shameful", "opinion")
    services.article_revise(article=article, actor=alice, text="A.\n\n" + article.text)
    few = count()
    factories.annotate_many(article, bob, 25)
    assert count() == few


def test_an_annotation_made_after_revision_1_is_not_shown_on_it(alice_client, article, alice, bob):
    services.article_revise(article=article, actor=alice, text=NEW_TEXT)
    article.refresh_from_db()
    factories.annotate(article, bob, "Update: the ministry", "fact")
    html = alice_client.get(f"/articles/{article.slug}/?revision=1").content.decode()
    assert "Update: the ministry" not in html


def test_history_shows_the_revision_with_its_reason_diff_and_numbers(
    alice_client, article, flagged
):
    html = alice_client.get(f"/articles/{article.slug}/history/").content.decode()
    assert 'action-revised">revised</span>' in html and "“r”" in html
    assert "Annotations: 1 exact, 1 moved, 1 orphaned." in html
    assert "<ins>Update: the ministry corrected its figures." in html
    assert "moved with article revision 2" in html and "orphaned by article revision 2" in html
    assert "carried across" not in html  # exact shifts are folded into the revision's line
    numbers = [int(n) for n in re.findall(r'class="revision__number"[^>]*>#(\d+)<', html)]
    assert numbers == list(range(len(numbers), 0, -1))
    only_article = alice_client.get(f"/articles/{article.slug}/history/?kind=article").content
    shown = re.findall(r'class="revision__number"[^>]*>#(\d+)<', only_article.decode())
    assert shown == [str(numbers[0] - 2), "1"]  # the same numbers, whatever the filter


def test_an_orphan_leaves_the_review_queue_until_its_words_are_selected_again(
    client, article, flagged, carol, alice
):
    client.force_login(alice)
    html = client.get("/review/").content.decode()
    assert "a shameful and costly waste of money" in html  # moved: reviewable, new words
    assert "Traffic will probably double" not in html  # orphaned: not on the text
    orphan = flagged["traffic"]
    start = NEW_TEXT.index("costly waste")
    services.annotation_update(
        annotation=orphan, actor=carol, start=start, end=start + 12, quote="costly waste"
    )
    assert "costly waste" in client.get("/review/").content.decode()


def test_agreement_figures_leave_orphans_out(alice_client, article, alice, bob, carol):
    from annotator.selectors import agreement

    factories.annotate(article, bob, "Traffic will probably double", "speculation")
    factories.annotate(article, carol, "Traffic will probably double", "speculation")
    factories.annotate(article, carol, "bridge opened", "fact")
    services.article_revise(
        article=article, actor=alice, text="The bridge opened in 2019, officials said."
    )
    article.refresh_from_db()
    figures = agreement.article_agreement(article)
    # The two orphans (offsets into the old text) are not counted; the carried one is.
    assert (figures.annotation_count, figures.annotators) == (1, ["carol"])
    assert alice_client.get(f"/articles/{article.slug}/agreement/").status_code == 200
