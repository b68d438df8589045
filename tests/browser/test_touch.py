"""A phone with a touch screen (390x844): a finger's selection opens the picker, a tap
tags it; targets are big enough; no key hints; the annotations one tap away, in a drawer
over the text."""

import pytest
from playwright.sync_api import expect

from annotator.models import Annotation
from tests import factories
from tests.browser.helpers import touch_select

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True,
         "device_scale_factor": 2}  # fmt: skip


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(**PHONE)
    yield context.new_page()
    context.close()


def _still(page):
    """Wait until the page has stopped scrolling: a finger that lands on a page still
    moving from a smooth scroll stops the scroll instead of tapping (as on a phone)."""
    page.evaluate(
        """() => new Promise((resolve) => {
            let last = -1, same = 0;
            const check = () => {
                if (window.scrollY === last) { if (++same > 5) return resolve(); }
                else { same = 0; last = window.scrollY; }
                requestAnimationFrame(check);
            };
            check();
        })"""
    )


def _tap(page, locator):
    box = locator.bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_a_finger_selects_a_span_and_taps_a_tag(phone, live_server, sign_in, article, alice, bob):
    factories.annotate(article, bob, "Officials", "fact")
    sign_in(alice, target_page=phone)
    phone.goto(live_server.url + article.get_absolute_url())
    expect(phone.locator("#live-status")).to_have_attribute("data-state", "live")
    assert phone.evaluate("matchMedia('(hover: none) and (pointer: coarse)').matches")

    _tap(phone, phone.get_by_text("It is a shameful waste of money."))
    touch_select(phone, "shameful waste")
    picker = phone.locator("#picker")
    expect(picker).to_be_visible()
    expect(phone.locator("#picker-quote")).to_have_text("shameful waste")
    # The picker is a sheet at the bottom of the screen, within it.
    box = picker.bounding_box()
    assert box["y"] + box["height"] <= 844 + 1 and box["width"] <= 390

    # No key hints on a touch screen; every tag button is a 44 px target.
    expect(picker.locator("kbd").first).to_be_hidden()
    expect(phone.locator(".picker__hint")).to_be_hidden()
    for button in picker.locator(".tag-btn").all():
        assert button.bounding_box()["height"] >= 44

    _tap(phone, picker.get_by_role("button", name="Opinion"))
    expect(phone.locator("#article-text mark.tag-opinion")).to_have_text("shameful waste")
    expect(picker).to_be_hidden()
    a = Annotation.objects.get(author=alice)
    assert (a.quote, a.tag.key) == ("shameful waste", "opinion")


def test_on_a_phone_the_list_is_one_tap_away_and_nothing_overflows(
    phone, live_server, sign_in, article, alice
):
    long_note = "x" * 2000
    factories.annotate(article, alice, "bridge", "fact", note=long_note)
    sign_in(alice, target_page=phone)
    phone.goto(live_server.url + article.get_absolute_url())
    expect(phone.locator(".site-user__name")).to_be_visible()
    expect(phone.locator("#keyboard-hint kbd").first).to_be_hidden()
    expect(phone.get_by_role("button", name="Keys")).to_be_hidden()
    toggle = phone.get_by_role("button", name="Annotations (1)")
    expect(toggle).to_be_visible()
    assert toggle.bounding_box()["height"] >= 44
    _tap(phone, toggle)
    expect(phone.locator("#sidebar")).to_be_in_viewport()
    # A 2,000-character word wraps: no sideways scrolling.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone.locator(".ann-item__note").bounding_box()["width"] < 390


def test_on_a_phone_the_list_is_a_drawer_over_the_text(
    phone, live_server, sign_in, article, alice, bob
):
    first = factories.annotate(article, bob, "shameful waste", "opinion")
    second = factories.annotate(article, bob, "Officials", "fact")
    sign_in(alice, target_page=phone)
    phone.goto(live_server.url + article.get_absolute_url())
    expect(phone.locator("#live-status")).to_have_attribute("data-state", "live")
    sidebar = phone.locator("#sidebar")
    expect(sidebar).to_be_hidden()
    toggle = phone.get_by_role("button", name="Annotations (2)")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_have_attribute("aria-controls", "sidebar")

    # Open: over the text, the whole screen's height, the focus in it.
    _tap(phone, toggle)
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(sidebar).to_be_visible()
    expect(phone.locator("#sidebar-title")).to_be_focused()
    box = sidebar.bounding_box()
    assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 390, 844), box
    # What is behind it is out of reach (inert), and the header is covered.
    assert phone.evaluate("document.querySelector('#reader .reading').inert")

    # Live: bob's new tag lands in the open drawer, and its count follows.
    third = factories.annotate(article, bob, "next year", "speculation")
    expect(sidebar.locator(f"#ann-{third.pk}")).to_be_visible()
    expect(phone.locator("#sidebar-title [data-total]")).to_have_text("3")
    toggle = phone.locator("[data-drawer-open]")
    expect(toggle).to_have_text("Annotations (3)")

    # Pick an annotation: its thread opens over the drawer; Esc closes the thread only.
    _tap(phone, sidebar.locator(f"#ann-{first.pk} [data-thread-open]"))
    panel = phone.locator("#thread-panel")
    expect(panel.locator("#thread")).to_be_visible()
    expect(panel.locator("#thread")).to_contain_text("shameful waste")
    expect(panel.locator("#thread-title")).to_be_focused()
    phone.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(sidebar).to_be_visible()
    expect(sidebar.locator(f"#ann-{first.pk} [data-thread-open]")).to_be_focused()

    # Esc again closes the drawer; the focus is back on its button.
    phone.keyboard.press("Escape")
    expect(sidebar).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(toggle).to_be_focused()
    assert not phone.evaluate("document.querySelector('#reader .reading').inert")

    # The Close button does the same.
    _tap(phone, toggle)
    expect(sidebar).to_be_visible()
    _tap(phone, sidebar.get_by_role("button", name="Close"))
    expect(sidebar).to_be_hidden()
    expect(toggle).to_be_focused()

    # Picking a quote goes back to the text, on its highlight.
    _tap(phone, toggle)
    _tap(phone, sidebar.locator(f"#ann-{second.pk} .ann-item__jump"))
    expect(sidebar).to_be_hidden()
    highlight = phone.locator(f'#article-text [data-annotation-id="{second.pk}"]')
    expect(highlight).to_be_focused()
    expect(highlight).to_be_in_viewport()

    # "Back to the text", at the end of the list, closes it too.
    _still(phone)
    _tap(phone, toggle)
    expect(sidebar).to_be_visible()
    back = sidebar.get_by_role("link", name="Back to the text")
    back.scroll_into_view_if_needed()
    _tap(phone, back)
    expect(sidebar).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")

    # A filter re-renders the list: the drawer stays open.
    _tap(phone, toggle)
    sidebar.get_by_label("Tag").focus()
    sidebar.get_by_label("Tag").select_option("fact")
    expect(sidebar.locator(".ann-list > .ann-item")).to_have_count(1)
    expect(sidebar).to_be_visible()
    expect(phone.locator("[data-drawer-open]")).to_have_attribute("aria-expanded", "true")
    expect(sidebar.get_by_label("Tag")).to_be_focused()
