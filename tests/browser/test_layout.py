"""Layout on a desktop: long words wrap, the new item is shown, the thread sits beside the
sidebar, a notice does not move the text, the edit form opens in view."""

import pytest
from playwright.sync_api import expect

from annotator.models import Annotation
from tests import factories
from tests.browser.helpers import drag_select

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1440, "height": 900}


def _open(page, live_server, article):
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")


def test_a_2000_character_word_and_a_long_url_wrap(page, live_server, sign_in, article, alice):
    a = factories.annotate(article, alice, "bridge", "fact", note="n" * 2000)
    from annotator import services

    services.comment_create(
        annotation=a, author=alice, body="See https://example.org/" + "path/" * 300
    )
    sign_in(alice)
    _open(page, live_server, article)
    sidebar = page.locator(".sidebar")
    assert sidebar.bounding_box()["width"] <= 400
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    page.locator(f"#ann-{a.pk} [data-thread-open]").click()
    panel = page.locator("#thread-panel")
    expect(panel.locator(".comment")).to_be_visible()
    assert page.evaluate("(el) => el.scrollWidth <= el.clientWidth", panel.element_handle())


def test_the_new_item_is_scrolled_to_and_marked(page, live_server, sign_in, article, alice, bob):
    # Enough items that the new one, last in text order, starts out of the sidebar's view.
    for phrase in ["Officials", "said", "the bridge", "opened", "in 2019", "It is", "a shameful",
                   "waste", "of money", "Traffic", "will", "probably"]:  # fmt: skip
        factories.annotate(article, bob, phrase, "fact")
    sign_in(alice)
    _open(page, live_server, article)
    drag_select(page, "next year")
    page.keyboard.press("s")
    expect(page.locator("#article-text mark.tag-speculation")).to_have_count(1)
    new = Annotation.objects.get(author=alice)
    item = page.locator(f"#ann-{new.pk}")
    expect(item).to_have_class("ann-item is-new")
    expect(item).to_be_in_viewport()
    expect(item).not_to_have_class("ann-item is-new", timeout=5000)


def test_the_thread_opens_beside_the_sidebar_and_the_notice_floats(
    page, live_server, sign_in, article, alice
):
    a = factories.annotate(article, alice, "shameful waste", "opinion")
    sign_in(alice)
    _open(page, live_server, article)
    page.locator(f"#ann-{a.pk} [data-thread-open]").click()
    panel = page.locator("#thread-panel")
    expect(panel.locator("#thread")).to_be_visible()
    side = page.locator(".sidebar").bounding_box()
    box = panel.bounding_box()
    assert side["x"] + side["width"] <= box["x"], (side, box)
    # The header makes room too, and stays whole (compacted) in what is left.
    header = page.locator(".site-header__inner")
    assert header.evaluate("(el) => el.scrollWidth <= el.clientWidth")
    lang = page.locator(".lang-switch").bounding_box()
    assert lang["x"] + lang["width"] <= box["x"], (lang, box)
    page.keyboard.press("Escape")

    # Deleting shows a notice with Undo over the page: the text does not move.
    text_top = page.locator("#article-text").bounding_box()["y"]
    page.on("dialog", lambda d: d.accept())
    item = page.locator(f"#ann-{a.pk}")
    item.get_by_role("link", name="Edit").click()
    form = item.locator(".ann-edit")
    expect(form).to_be_in_viewport()
    expect(item.get_by_label("Tag")).to_be_focused()
    item.get_by_role("button", name="Delete").click()
    notice = page.locator("#reader-notice .notice")
    expect(notice).to_be_visible()
    expect(notice).to_be_in_viewport()
    assert page.locator("#article-text").bounding_box()["y"] == text_top
    notice.get_by_role("button", name="Undo").click()
    expect(page.locator(f"#ann-{a.pk}")).to_be_visible()


def test_on_a_desktop_the_sidebar_stays_beside_the_text(page, live_server, sign_in, article, alice):
    factories.annotate(article, alice, "bridge", "fact")
    sign_in(alice)
    _open(page, live_server, article)
    expect(page.locator("[data-drawer-open]")).to_be_hidden()
    expect(page.locator(".jump-to-list")).to_be_hidden()
    expect(page.locator("#sidebar [data-drawer-close]")).to_be_hidden()
    text = page.locator("#article-text").bounding_box()
    side = page.locator("#sidebar").bounding_box()
    assert side["x"] >= text["x"] + text["width"] and side["y"] < 400, (text, side)


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_header_is_one_row_from_1024_px_and_two_below_1000(browser, live_server, language):
    # A staff member with a long name has the most in the header.
    user = factories.make_user("lucia", first_name="María Lucía", last_name="Fernández de la Vega",
                               is_staff=True)  # fmt: skip
    context = browser.new_context(locale=language)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", factories.PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        expect(page.locator("html")).to_have_attribute("lang", language)
        parts = ".site-header__inner > *"
        for width in [1024, 1280, 1366, 1440, 1920]:
            page.set_viewport_size({"width": width, "height": 800})
            tops = page.locator(parts).evaluate_all(
                "els => els.map(e => e.getBoundingClientRect()).map(r => [r.top, r.bottom])"
            )
            row = page.evaluate("getComputedStyle(document.querySelector('.site-header')).height")
            # Every part on one line, and the header only as tall as its tallest part.
            assert max(t for t, b in tops) < min(b for t, b in tops), (width, tops)
            assert float(row[:-2]) <= max(b - t for t, b in tops) + 2 * 16, (width, row)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        for width in [720, 800, 900, 990]:
            page.set_viewport_size({"width": width, "height": 800})
            nav = page.locator(".site-nav").bounding_box()
            others = page.locator(".site-header__inner > :not(.site-nav)").evaluate_all(
                "els => els.map(e => e.getBoundingClientRect().bottom)"
            )
            # The main links on a row of their own, on one line, under all the rest.
            assert nav["y"] >= max(others), (width, nav, others)
            assert nav["height"] < 50, (width, nav)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        # The person's own pages are in the menu under their name.
        menu = page.locator(".user-menu")
        menu.locator("summary").click()
        admin = "Admin" if language == "en" else "Administración"
        expect(menu.get_by_role("link", name=admin)).to_be_visible()
        page.keyboard.press("Escape")
        expect(menu.locator(".user-menu__panel")).to_be_hidden()
        expect(menu.locator("summary")).to_be_focused()
    finally:
        context.close()
