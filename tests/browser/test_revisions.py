"""Revising an article in a browser: edit, preview, save; then an author re-selects an
orphaned annotation's words with the mouse, confirms a moved one, and reads revision 1."""

import pytest
from playwright.sync_api import expect

from annotator import services
from annotator.models import Annotation
from articles.models import Article
from tests import factories

pytestmark = pytest.mark.browser


def test_edit_preview_and_save_a_revision(
    live_server, page, sign_in, tags, alice, bob, console_errors
):
    article = factories.make_article(created_by=alice)
    waste = factories.annotate(article, bob, "a shameful waste of money", "opinion")
    traffic = factories.annotate(article, bob, "Traffic will probably double", "speculation")
    exact = factories.annotate(article, bob, "the bridge opened in 2019", "fact")

    sign_in(alice)
    page.goto(f"{live_server.url}/articles/{article.slug}/")
    page.get_by_role("link", name="Edit the text").click()
    text = page.locator("#id_text")
    expect(text).to_have_value(article.text)
    # Edit as a person would: select the paragraph's words in the textarea and type.
    text.fill(
        "Update: the ministry corrected its figures.\n\n"
        "Officials said the bridge opened in 2019.\n\n"
        "It is a shameful and costly waste of money."
    )
    page.locator("#id_reason").fill("The ministry's correction.")
    expect(page.get_by_role("button", name="Save revision 2")).to_have_count(0)
    page.get_by_role("button", name="Preview the changes").click()

    preview = page.locator(".preview")
    expect(preview).to_contain_text("1 stays on its words")
    expect(preview).to_contain_text("1 moves with the text")
    expect(preview).to_contain_text("1 orphaned")
    expect(preview.locator(".flagged--orphaned del")).to_have_text("Traffic will probably double")
    article.refresh_from_db()
    assert article.version == 1  # a preview writes nothing

    page.get_by_role("button", name="Save revision 2").click()
    expect(page).to_have_url(f"{live_server.url}/articles/{article.slug}/anchors/")
    expect(page.locator(".messages")).to_contain_text(
        "Revision 2 saved. 1 annotation kept exactly, 1 moved with the text, 1 orphaned."
    )
    article.refresh_from_db()
    assert (article.version, article.revision_reason) == (2, "The ministry's correction.")
    anchors = {a.pk: a.anchor for a in Annotation.objects.all()}
    assert anchors == {exact.pk: "exact", waste.pk: "moved", traffic.pk: "orphaned"}

    page.goto(f"{live_server.url}/articles/{article.slug}/")
    expect(page.locator(".revision-notice")).to_contain_text("2 annotations to check")
    expect(page.locator('mark[data-anchor="moved"]')).to_have_count(1)
    assert console_errors == []


def test_an_author_reselects_an_orphan_with_the_mouse_and_confirms_a_moved_one(
    live_server, page, sign_in, tags, alice, bob, console_errors
):
    article = factories.make_article(created_by=alice)
    waste = factories.annotate(article, bob, "a shameful waste of money", "opinion")
    traffic = factories.annotate(article, bob, "Traffic will probably double", "speculation")
    services.article_revise(
        article=article,
        actor=alice,
        text="Officials said the bridge opened in 2019.\n\n"
        "It is a shameful and costly waste of money.\n\n"
        "Traffic could double next year, planners say.",
    )

    sign_in(bob)
    page.goto(f"{live_server.url}/articles/{article.slug}/anchors/")
    expect(page.locator(".anchor-item")).to_have_count(2)
    page.locator(f"#anchor-{waste.pk}").get_by_role("button", name="It is right here").click()
    expect(page.locator(".messages")).to_contain_text("is anchored again")
    expect(page.locator(".anchor-item")).to_have_count(1)

    page.locator(f"#anchor-{traffic.pk}").get_by_role("link", name="Select its words again").click()
    expect(page.get_by_role("heading", name="Select the words again")).to_be_visible()
    # Drag over "Traffic could double" in the article text.
    para = page.locator("#article-text p", has_text="Traffic could double")
    para.scroll_into_view_if_needed()
    words = page.evaluate(
        """() => {
          const p = [...document.querySelectorAll('#article-text p')]
            .find((el) => el.textContent.startsWith('Traffic could double'));
          const node = document.createTreeWalker(p, NodeFilter.SHOW_TEXT).nextNode();
          const r = document.createRange();
          r.setStart(node, 0); r.setEnd(node, 1);
          const first = r.getBoundingClientRect();
          r.setStart(node, 19); r.setEnd(node, 20);
          const last = r.getBoundingClientRect();
          return {x1: first.left + 1, y: first.top + first.height / 2, x2: last.right - 1};
        }"""
    )
    page.mouse.move(words["x1"], words["y"])
    page.mouse.down()
    page.mouse.move(words["x2"], words["y"], steps=5)
    page.mouse.up()
    expect(page.locator("#anchor-selected")).to_have_text("Traffic could double")
    page.get_by_role("button", name="Anchor to the selection").click()
    expect(page.locator(".messages")).to_contain_text("“Traffic could double” is anchored again")
    expect(page.get_by_text("Nothing to check")).to_be_visible()

    traffic.refresh_from_db()
    text = Article.objects.get(pk=article.pk).text
    assert (traffic.anchor, text[traffic.start : traffic.end]) == ("exact", "Traffic could double")
    assert console_errors == []


def test_typing_the_words_anchors_without_a_mouse(live_server, page, sign_in, tags, alice, bob):
    article = factories.make_article(created_by=alice)
    traffic = factories.annotate(article, bob, "Traffic will probably double", "speculation")
    services.article_revise(
        article=article, actor=alice, text=article.text.replace("will probably", "may")
    )
    sign_in(bob)
    page.goto(f"{live_server.url}/annotations/{traffic.pk}/anchor/")
    page.get_by_label("The exact words in the current text").focus()
    page.keyboard.type("Traffic may double")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("is anchored again")
    traffic.refresh_from_db()
    assert (traffic.anchor, traffic.quote) == ("exact", "Traffic may double")


def test_an_earlier_revision_reads_as_it_was(live_server, page, sign_in, tags, alice, bob):
    article = factories.make_article(created_by=alice)
    factories.annotate(article, bob, "Traffic will probably double", "speculation")
    services.article_revise(article=article, actor=alice, text="Entirely new text.", reason="x")
    sign_in(alice)
    page.goto(f"{live_server.url}/articles/{article.slug}/history/")
    page.get_by_role("link", name="Read revision 1").click()
    expect(page.locator(".revision-banner")).to_contain_text("Revision 1 of 2")
    expect(page.locator("#article-text mark")).to_have_text("Traffic will probably double")
    page.get_by_role("link", name="Revision 2 →").click()
    expect(page.locator("#article-text")).to_have_text("Entirely new text.")
    expect(page.locator("#article-text mark")).to_have_count(0)


def test_the_edit_page_and_anchors_list_fit_a_phone(live_server, page, sign_in, tags, alice, bob):
    article = factories.make_article(created_by=alice)
    factories.annotate(article, bob, "Traffic will probably double", "speculation")
    services.article_revise(article=article, actor=alice, text="Entirely new text.")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(alice)
    for path in ("edit/", "anchors/"):
        page.goto(f"{live_server.url}/articles/{article.slug}/{path}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, path
