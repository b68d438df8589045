"""Dark and light: the system's choice until the person picks one, remembered, applied
before the first paint, with no inline script (the CSP allows scripts from 'self' only)."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

THEME = "document.documentElement.dataset.theme"
PAPER = "getComputedStyle(document.body).backgroundColor"


def test_the_theme_follows_the_system_until_the_toggle_and_is_remembered(
    page, live_server, sign_in, article, alice, console_errors
):
    page.emulate_media(color_scheme="dark")
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.evaluate(THEME) == "dark"
    assert page.evaluate(PAPER) == "rgb(15, 19, 24)"
    page.emulate_media(color_scheme="light")
    # Follows a change while the page is open (the media query's change event).
    page.wait_for_function(f"{THEME} === 'light'")

    sign_in(alice)
    page.goto(live_server.url + article.get_absolute_url())
    toggle = page.get_by_role("button", name="Dark theme")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert page.evaluate(THEME) == "dark"
    # Kept: on the next page, and against the system's light.
    page.reload()
    assert page.evaluate(THEME) == "dark"
    expect(page.get_by_role("button", name="Dark theme")).to_have_attribute("aria-pressed", "true")
    assert any(c["name"] == "theme" and c["value"] == "dark" for c in page.context.cookies())
    # Set before the first paint: the attribute is there before the body is parsed.
    page.add_init_script(
        "document.addEventListener('readystatechange', () => {"
        " if (document.readyState === 'interactive')"
        " window.__early = document.documentElement.dataset.theme; });"
    )
    page.goto(live_server.url + "/guidelines/")
    assert page.evaluate("window.__early") == "dark"
    page.get_by_role("button", name="Dark theme").click()
    page.reload()
    assert page.evaluate(THEME) == "light"
    assert console_errors == []  # no CSP refusal of an inline script or style


def test_highlights_keep_their_letters_and_underlines_in_the_dark(
    page, live_server, sign_in, article, alice
):
    from tests import factories

    factories.annotate(article, alice, "shameful waste", "opinion")
    page.emulate_media(color_scheme="dark")
    sign_in(alice)
    page.goto(live_server.url + article.get_absolute_url())
    mark = page.locator("#article-text mark.tag-opinion")
    style = mark.evaluate(
        "(m) => { const s = getComputedStyle(m); const b = getComputedStyle(m, '::before');"
        " return [s.color, s.textDecorationLine, s.textDecorationStyle, b.content]; }"
    )
    assert style == ["rgb(17, 24, 39)", "underline", "dashed", '"O"']
