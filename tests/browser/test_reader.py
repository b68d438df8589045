"""The reader in a real Chromium: select with the mouse, tag, see everyone's tags."""

import re

import pytest
from playwright.sync_api import expect

from annotator.models import Annotation
from annotator.selectors.reader import LIST_PAGE
from tests import factories
from tests.browser.helpers import drag_select

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CERTAIN = (
    "it is certain that movements hijacked by the right, such as Gen Z Mexico, "
    "will not be as successful as expected"
)


def _open(page, live_server, article):
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    expect(page.locator("#article-text")).to_be_visible()


def test_select_a_sentence_and_press_s(
    page, live_server, sign_in, seed_article, alice, console_errors
):
    sign_in(alice)
    _open(page, live_server, seed_article)
    drag_select(page, CERTAIN)
    picker = page.locator("#picker")
    expect(picker).to_be_visible()
    expect(page.locator("#picker-quote")).to_contain_text("it is certain that movements")
    page.keyboard.press("s")
    expect(page.locator("#article-text mark.tag-speculation")).to_have_count(1)
    expect(picker).to_be_hidden()
    a = Annotation.objects.get()
    start = seed_article.text.index(CERTAIN)
    assert (a.start, a.end, a.quote, a.tag.key, a.author) == (
        start,
        start + len(CERTAIN),
        CERTAIN,
        "speculation",
        alice,
    )
    expect(page.locator(f"#ann-{a.pk}")).to_contain_text("Speculation")
    assert console_errors == []


def test_a_selection_across_two_paragraphs_is_saved(page, live_server, sign_in, article, alice):
    sign_in(alice)
    _open(page, live_server, article)
    drag_select(page, "bridge opened", until="shameful")
    page.get_by_role("button", name="o Opinion").click()
    expect(page.locator("#article-text mark")).not_to_have_count(0)
    a = Annotation.objects.get()
    assert a.quote == "bridge opened in 2019.\n\nIt is a shameful"
    assert a.quote == article.text[a.start : a.end]
    assert a.tag.key == "opinion"


def test_emoji_and_accents_anchor_in_code_points(page, live_server, sign_in, tags, alice):
    text = "Café 😀 opened. Niño said 👍🏽 it will grow.\n\nThe 🌉 bridge costs €3 million."
    article = factories.make_article(created_by=alice, title="Emoji", text=text)
    sign_in(alice)
    _open(page, live_server, article)
    drag_select(page, "Niño said 👍🏽")
    page.keyboard.press("f")
    expect(page.locator("#article-text [data-annotation-id]")).to_have_count(1)
    expect(page.locator("#article-text [data-annotation-id]")).to_have_text("Niño said 👍🏽")
    drag_select(page, "bridge costs €3")
    page.keyboard.press("o")
    expect(page.locator("#article-text [data-annotation-id]")).to_have_count(2)
    first, second = Annotation.objects.order_by("start")
    assert (first.start, first.end, first.quote) == (15, 27, "Niño said 👍🏽")
    assert second.quote == "bridge costs €3" == text[second.start : second.end]
    assert text.index("bridge") == second.start


def test_whitespace_is_trimmed_and_a_start_outside_the_article_is_clipped(
    page, live_server, sign_in, article, alice
):
    sign_in(alice)
    _open(page, live_server, article)
    # From the title above the text down into the first paragraph.
    title = page.locator("#article-title").bounding_box()
    drag_select(page, "Officials")
    page.keyboard.press("Escape")
    expect(page.locator("#picker")).to_be_hidden()
    page.mouse.move(title["x"] + 5, title["y"] + title["height"] / 2)
    page.mouse.down()
    target = page.evaluate(
        "() => { const r = document.createRange(); const t = document.querySelector("
        "'#article-text p').firstChild; r.setStart(t, 9); r.setEnd(t, 10);"
        " const b = r.getBoundingClientRect(); return {x: b.right - 1, y: b.top + b.height / 2}; }"
    )
    page.mouse.move(target["x"], target["y"], steps=6)
    page.mouse.up()
    # The selection ends after the space that follows "Officials"; the space is trimmed.
    expect(page.locator("#picker-quote")).to_have_text("Officials")
    page.keyboard.press("f")
    expect(page.locator("#article-text mark")).to_have_count(1)
    a = Annotation.objects.get()
    assert (a.start, a.end, a.quote) == (0, 9, "Officials")


def test_an_empty_click_opens_no_picker_and_esc_closes_it(
    page, live_server, sign_in, article, alice
):
    sign_in(alice)
    _open(page, live_server, article)
    page.locator("#article-text p").first.click()
    expect(page.locator("#picker")).to_be_hidden()
    drag_select(page, "shameful")
    expect(page.locator("#picker")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#picker")).to_be_hidden()
    assert not Annotation.objects.exists()


def test_a_second_user_sees_the_highlight_and_cannot_change_it(
    page, live_server, sign_in, article, alice, bob
):
    a = factories.annotate(article, alice, "shameful waste", "opinion", note="loaded words")
    sign_in(bob)
    _open(page, live_server, article)
    mark = page.locator("#article-text mark.tag-opinion")
    expect(mark).to_have_text("shameful waste")
    mark.click()
    item = page.locator(f"#ann-{a.pk}")
    expect(item).to_have_class("ann-item is-active")
    expect(item).to_contain_text("alice")
    expect(item).to_contain_text("loaded words")
    expect(item.get_by_role("link", name="Edit")).to_have_count(0)
    status = page.evaluate(
        """async (id) => {
          const token = document.querySelector('[name=csrfmiddlewaretoken]').value;
          const r = await fetch(`/annotations/${id}/delete/`, {method: 'POST',
            headers: {'X-CSRFToken': token, 'HX-Request': 'true',
                      'Content-Type': 'application/x-www-form-urlencoded'},
            body: 'version=1'});
          return r.status; }""",
        a.pk,
    )
    assert status == 403
    a.refresh_from_db()
    assert a.deleted_at is None


def test_the_author_edits_and_deletes_from_the_sidebar(page, live_server, sign_in, article, alice):
    a = factories.annotate(article, alice, "shameful waste", "opinion")
    sign_in(alice)
    _open(page, live_server, article)
    item = page.locator(f"#ann-{a.pk}")
    item.get_by_role("link", name="Edit").click()
    item.get_by_label("Tag").select_option("fact")
    item.get_by_label("Note").fill("A waste can be measured.")
    item.get_by_role("button", name="Save").click()
    expect(page.locator("#article-text mark.tag-fact")).to_have_text("shameful waste")
    a.refresh_from_db()
    assert (a.tag.key, a.note, a.version) == ("fact", "A waste can be measured.", 2)
    page.locator(f"#ann-{a.pk}").get_by_role("link", name="Edit").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#ann-{a.pk}").get_by_role("button", name="Delete").click()
    expect(page.locator("#article-text mark")).to_have_count(0)
    a.refresh_from_db()
    assert a.deleted_at is not None


def test_overlapping_annotations_are_each_clickable(
    page, live_server, sign_in, article, alice, bob
):
    wide = factories.annotate(article, alice, "shameful waste of money", "opinion")
    narrow = factories.annotate(article, bob, "waste", "fact")
    sign_in(alice)
    _open(page, live_server, article)
    shared = page.locator(f'#article-text [data-annotation-id="{narrow.pk}"]')
    expect(shared).to_have_text("waste")
    shared.click()
    chooser = page.locator("#chooser")
    expect(chooser.get_by_role("menuitem")).to_have_count(2)
    chooser.get_by_role("menuitem", name="Fact · bob").click()
    expect(page.locator(f"#ann-{narrow.pk}")).to_have_class("ann-item is-active")
    shared.click()
    chooser.get_by_role("menuitem", name="Opinion · alice").click()
    expect(page.locator(f"#ann-{wide.pk}")).to_have_class("ann-item is-active")
    expect(page.locator(f"#ann-{narrow.pk}")).to_have_class("ann-item")
    # Choosing one opens its thread; closing it, the sidebar leads back to the text.
    expect(page.locator(f'#thread-panel [data-annotation="{wide.pk}"]')).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#thread-panel")).to_be_hidden()
    page.locator(f"#ann-{narrow.pk} [data-jump]").click()
    expect(shared).to_have_class("hl tag-fact hl-overlap is-active")
    expect(shared).to_be_focused()


def test_a_bad_save_shows_the_reason_next_to_the_picker(page, live_server, sign_in, article, alice):
    sign_in(alice)
    _open(page, live_server, article)
    drag_select(page, "shameful")
    page.locator("#picker textarea[name=note]").fill("x" * 10)
    # Someone changed the article meanwhile: the quote no longer matches.
    article.text = article.text.replace("shameful", "SHAMEFUL")
    article.save()
    page.get_by_role("button", name="o Opinion").click()
    expect(page.locator("#picker-error")).to_contain_text("does not match")
    expect(page.locator("#picker")).to_be_visible()
    assert not Annotation.objects.exists()


def test_clicking_a_highlight_beyond_the_listed_page_loads_its_item(
    page, live_server, sign_in, tags, alice
):
    listed = LIST_PAGE
    words = " ".join(f"w{i:03d}" for i in range(listed + 30))
    article = factories.make_article(created_by=alice, title="Many", text=words)
    last = None
    for i in range(listed + 30):
        last = factories.annotate(article, alice, f"w{i:03d}", "fact")
    sign_in(alice)
    _open(page, live_server, article)
    expect(page.locator(".ann-item")).to_have_count(listed)
    page.locator(f'#article-text [data-annotation-id="{last.pk}"]').click()
    expect(page.locator(f"#ann-{last.pk}")).to_have_class("ann-item is-active")
    expect(page.locator(".ann-item")).to_have_count(listed + 30)


def test_select_and_tag_with_the_keyboard_alone(page, live_server, sign_in, article, alice):
    sign_in(alice)
    _open(page, live_server, article)
    page.locator("#article-text").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")  # Officials, said, the
    page.keyboard.press("Control+Shift+ArrowRight")  # + bridge
    page.keyboard.press("Control+Shift+ArrowRight")  # + opened
    expect(page.locator("#picker-quote")).to_have_text("the bridge opened")
    page.keyboard.press("f")
    expect(page.locator("#article-text mark.tag-fact")).to_have_text("the bridge opened")
    expect(page.locator("#article-text")).to_be_focused()
    a = Annotation.objects.get()
    assert (a.quote, a.tag.key) == ("the bridge opened", "fact")
    # Going on from there: the next words, then on across a paragraph edge.
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#picker-quote")).to_have_text("2019.")
    page.keyboard.press("Control+Shift+ArrowRight")
    expect(page.locator("#picker-quote")).to_have_text("2019.\n\nIt")
    page.keyboard.press("Escape")
    expect(page.locator("#picker")).to_be_hidden()


def test_a_stale_edit_shows_the_other_change_and_applies_mine_again(
    page, live_server, sign_in, article, alice
):
    from annotator import services

    a = factories.annotate(article, alice, "shameful waste", "opinion", note="first")
    sign_in(alice)
    _open(page, live_server, article)
    item = page.locator(f"#ann-{a.pk}")
    item.get_by_role("link", name="Edit").click()
    item.get_by_label("Note").fill("my careful note")
    # Meanwhile the same annotation changes elsewhere (another tab, or the API).
    services.annotation_update(annotation=a, actor=alice, version=1, tag="speculation")
    item.get_by_role("button", name="Save").click()
    conflict = item.locator(".conflict")
    expect(conflict).to_contain_text("changed by alice meanwhile")
    expect(conflict).to_contain_text("Speculation")
    expect(item.get_by_label("Note")).to_have_value("my careful note")
    # Only the note was mine to change: their tag stays.
    expect(item.get_by_label("Tag")).to_have_value("speculation")
    item.get_by_role("button", name="Apply my change again").click()
    expect(page.locator(f"#ann-{a.pk} .ann-item__note")).to_have_text("my careful note")
    expect(page.locator("#article-text mark")).to_have_class(re.compile(r"tag-speculation"))
    a.refresh_from_db()
    assert (a.tag.key, a.note, a.version) == ("speculation", "my careful note", 3)


def test_delete_then_undo_from_the_reader(page, live_server, sign_in, article, alice):
    a = factories.annotate(article, alice, "shameful waste", "opinion")
    sign_in(alice)
    _open(page, live_server, article)
    page.locator(f"#ann-{a.pk}").get_by_role("link", name="Edit").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#ann-{a.pk}").get_by_role("button", name="Delete").click()
    expect(page.locator("#article-text mark")).to_have_count(0)
    page.locator("#reader-notice").get_by_role("button", name="Undo").click()
    expect(page.locator("#article-text mark")).to_have_text("shameful waste")
    a.refresh_from_db()
    assert a.deleted_at is None and a.history.first().history_change_reason == "restored"
