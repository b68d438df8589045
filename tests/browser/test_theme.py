"""Dark and light: the system's choice until the person picks one, remembered, applied
before the first paint, with no inline script (the CSP allows scripts from 'self' only);
the Django admin and the API docs page follow it."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests import factories

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


def _findings(page, where):
    """Critical, serious and moderate findings of axe-core (as test_accessibility.py)."""
    results = Axe().run(page, options={"resultTypes": ["violations"]})
    return [
        f"{where}: {v['id']} ({v['impact']}) {[n['target'] for n in v['nodes'][:3]]}"
        for v in results.response["violations"]
        if v["impact"] in {"critical", "serious", "moderate"}
    ]


def test_the_admin_and_the_api_docs_follow_the_site_theme(
    page, live_server, sign_in, tags, console_errors
):
    root = factories.make_user("root", is_staff=True, is_superuser=True)
    page.emulate_media(color_scheme="light")
    sign_in(root)
    page.goto(live_server.url + "/guidelines/")
    page.get_by_role("button", name="Dark theme").click()  # dark, against the system's light

    found = []
    tag = tags["fact"]
    for path in ["/admin/", "/admin/annotator/tag/", f"/admin/annotator/tag/{tag.pk}/change/"]:
        page.goto(live_server.url + path)
        assert page.evaluate(THEME) == "dark", path
        assert page.evaluate(PAPER) == "rgb(18, 18, 18)", path  # the admin's dark body
        found += _findings(page, path)
    page.goto(live_server.url + "/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible()
    page.locator(".opblock-summary-control").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    assert page.evaluate(THEME) == "dark"
    assert page.evaluate(PAPER) == "rgb(28, 32, 34)"  # Swagger UI's own dark style
    found += _findings(page, "API docs")
    assert found == [], "\n".join(found)

    # The admin's own toggle (dark, then light, then the system's) becomes the site's choice.
    page.goto(live_server.url + "/admin/")
    toggle = page.locator("#header .theme-toggle")
    toggle.click()
    assert page.evaluate(THEME) == "light"
    page.goto(live_server.url + "/guidelines/")
    assert page.evaluate(THEME) == "light"
    expect(page.get_by_role("button", name="Dark theme")).to_have_attribute("aria-pressed", "false")
    page.goto(live_server.url + "/api/docs/")
    expect(page.locator(".opblock").first).to_be_visible()
    page.locator(".opblock-summary-control").first.click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    found = _findings(page, "API docs, light")
    page.goto(live_server.url + f"/admin/annotator/tag/{tag.pk}/change/")
    found += _findings(page, "admin, light")
    assert found == [], "\n".join(found)
    page.goto(live_server.url + "/admin/")
    page.locator("#header .theme-toggle").click()
    assert page.evaluate(THEME) == "auto"  # the system's, and so, again, the site's
    assert page.evaluate("localStorage.getItem('claimmark-theme')") is None
    page.emulate_media(color_scheme="dark")
    page.goto(live_server.url + "/api/docs/")
    assert page.evaluate(THEME) == "dark"
    assert console_errors == []
