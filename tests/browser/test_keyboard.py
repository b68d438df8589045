"""The keyboard alone: selections by character, word and sentence; highlights in reading
order behind one Tab stop; the "?" list of keys on every page."""

import pytest
from playwright.sync_api import expect

from annotator.models import Annotation
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open(page, live_server, article):
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")


def test_select_by_character_word_and_sentence(
    page, live_server, sign_in, article, alice, console_errors
):
    sign_in(alice)
    _open(page, live_server, article)
    quote = page.locator("#picker-quote")
    page.locator("#article-text").focus()
    page.keyboard.press(")")
    expect(quote).to_have_text("Officials said the bridge opened in 2019.")
    page.keyboard.press(")")
    expect(quote).to_have_text("It is a shameful waste of money.")
    page.keyboard.press("(")
    expect(quote).to_have_text("Officials said the bridge opened in 2019.")
    # Shrink by a character (the full stop), then by a word.
    page.keyboard.press("Shift+ArrowLeft")
    expect(quote).to_have_text("Officials said the bridge opened in 2019")
    page.keyboard.press("Control+Shift+ArrowLeft")
    page.keyboard.press("Control+Shift+ArrowLeft")
    expect(quote).to_have_text("Officials said the bridge opened")
    # Extend by a sentence, across the paragraph break.
    page.keyboard.press("}")
    expect(quote).to_have_text("Officials said the bridge opened in 2019.")
    page.keyboard.press("}")
    expect(quote).to_have_text(
        "Officials said the bridge opened in 2019.\n\nIt is a shameful waste of money."
    )
    page.keyboard.press("{")
    expect(quote).to_have_text("Officials said the bridge opened in 2019.\n\n")
    # Words: the next, then a character more.
    page.keyboard.press("ArrowRight")
    expect(quote).to_have_text("It")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    expect(quote).to_have_text("It is")
    page.keyboard.press("o")
    expect(page.locator("#article-text mark.tag-opinion")).to_have_text("It is")
    assert Annotation.objects.get().quote == "It is"
    assert console_errors == []


def test_reaching_a_sentence_in_the_seed_article_takes_few_presses(
    page, live_server, sign_in, seed_article, alice
):
    """The issue counted 781 presses, word by word, to reach "it is certain"."""
    sign_in(alice)
    _open(page, live_server, seed_article)
    page.locator("#article-text").focus()
    presses = 0
    quote = page.locator("#picker-quote")
    while "it is certain" not in (quote.text_content() or "") and presses < 200:
        page.keyboard.press(")")
        presses += 1
    assert "it is certain" in quote.text_content()
    assert presses <= 40, presses


def test_highlights_are_one_tab_stop_then_j_k_and_enter_opens_the_thread(
    page, live_server, sign_in, article, alice, bob, console_errors
):
    first = factories.annotate(article, bob, "Officials said", "fact")
    second = factories.annotate(article, bob, "shameful waste", "opinion")
    third = factories.annotate(article, bob, "probably double", "speculation")
    sign_in(alice)
    _open(page, live_server, article)
    text = page.locator("#article-text")
    text.focus()
    mark = lambda a: page.locator(f'#article-text mark[data-annotation-id="{a.pk}"]')  # noqa: E731
    page.keyboard.press("j")
    expect(mark(first)).to_be_focused()
    expect(page.locator(f"#ann-{first.pk}")).to_have_class("ann-item is-active")
    page.keyboard.press("j")
    page.keyboard.press("ArrowDown")
    expect(mark(third)).to_be_focused()
    page.keyboard.press("k")
    expect(mark(second)).to_be_focused()
    expect(page.locator("#highlight-status")).to_have_text(
        "Opinion by bob, highlight 2 of 3. Enter opens the discussion."
    )
    # A roving tabindex: only the current highlight is in the Tab order, not the text too.
    assert page.evaluate("document.querySelectorAll('#article-text [tabindex=\"0\"]').length") == 1
    assert text.get_attribute("tabindex") == "-1"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    expect(mark(second)).to_be_focused()
    page.keyboard.press("Enter")
    panel = page.locator("#thread-panel")
    expect(panel.locator("#thread")).to_be_visible()
    expect(panel.locator(".thread__quote")).to_contain_text("shameful waste")
    expect(panel.locator("#thread-title")).to_be_focused()
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(mark(second)).to_be_focused()
    assert console_errors == []


@pytest.mark.parametrize(
    "path, page_key",
    [("/", None), ("{reader}", "Select the next or previous sentence"),
     ("/review/", "Agree with the current annotation"), ("/guidelines/", None)],
)  # fmt: skip
def test_question_mark_lists_the_keys_on_every_page(
    page, live_server, sign_in, article, alice, path, page_key
):
    sign_in(alice)
    page.goto(live_server.url + path.format(reader=article.get_absolute_url()))
    dialog = page.locator("#keys-dialog")
    expect(dialog).to_be_hidden()
    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Show or hide this list")
    if page_key:
        expect(dialog).to_contain_text(page_key)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    # Also from the header, for those who do not know the key yet.
    page.get_by_role("button", name="Keys").click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()


def test_question_mark_in_a_text_field_is_just_a_character(
    page, live_server, sign_in, article, alice
):
    sign_in(alice)
    page.goto(live_server.url + "/articles/new/")
    page.locator("#id_title").focus()
    page.keyboard.type("Why?")
    expect(page.locator("#id_title")).to_have_value("Why?")
    expect(page.locator("#keys-dialog")).to_be_hidden()


def test_a_jump_from_the_sidebar_moves_the_tab_stop_to_that_highlight(
    page, live_server, sign_in, article, alice, bob
):
    first = factories.annotate(article, bob, "Officials said", "fact")
    second = factories.annotate(article, bob, "shameful waste", "opinion")
    third = factories.annotate(article, bob, "probably double", "speculation")
    sign_in(alice)
    _open(page, live_server, article)
    page.locator(f"#ann-{second.pk} [data-jump]").click()
    second_mark = page.locator(f'#article-text mark[data-annotation-id="{second.pk}"]')
    expect(second_mark).to_be_focused()
    expect(second_mark).to_have_attribute("tabindex", "0")
    assert page.evaluate("document.querySelectorAll('#article-text [tabindex=\"0\"]').length") == 1
    page.keyboard.press("j")
    expect(page.locator(f'#article-text mark[data-annotation-id="{third.pk}"]')).to_be_focused()
    page.keyboard.press("k")
    page.keyboard.press("k")
    expect(page.locator(f'#article-text mark[data-annotation-id="{first.pk}"]')).to_be_focused()
