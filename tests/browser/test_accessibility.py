"""axe-core on every page, signed in, in both languages and both themes, with the picker,
a thread and the review queue open: no critical, serious or moderate finding.

axe-playwright-python ships axe-core (axe.min.js); nothing is downloaded. The Django admin
(Django's own pages) and the API's Swagger UI (drf-spectacular-sidecar's) are not this
project's markup: test_theme.py holds them to no critical, serious or moderate finding."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from annotator import services
from tests import factories
from tests.browser.helpers import drag_select, touch_select

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCKING = {"critical", "serious", "moderate"}
AXE = Axe()


def _findings(page, where: str) -> list[str]:
    results = AXE.run(page, options={"resultTypes": ["violations"]})
    found = []
    for v in results.response["violations"]:
        if v["impact"] not in BLOCKING:
            continue
        for node in v["nodes"][:5]:
            found.append(
                f"{where}: {v['id']} ({v['impact']}) {node['target']} "
                f"{node.get('failureSummary', '').splitlines()[-1:]}"
            )
    return found


@pytest.fixture
def world(tags, alice, bob, carol):
    article = factories.make_article(created_by=alice, source_url="https://example.org/a")
    mine = factories.annotate(article, alice, "bridge", "fact", note="Checked the city records.")
    theirs = factories.annotate(article, bob, "shameful waste", "opinion")
    factories.annotate(article, bob, "probably double", "speculation")
    factories.annotate(article, carol, "Officials", "fact")
    services.comment_create(annotation=theirs, author=alice, body="Is *this* opinion, @bob?")
    services.review_set(
        annotation=theirs,
        reviewer=carol,
        verdict="disagree",
        proposed_tag="fact",
        comment="It reads like a record.",
    )
    factories.make_curator(alice)
    # A revision that orphans one of alice's: the anchors pages and revision 1 have content.
    orphan = factories.annotate(article, alice, "next year", "speculation")
    services.article_revise(
        article=article,
        actor=alice,
        text=article.text.replace("next year", "in 2027"),
        reason="The forecast's year, from the source.",
    )
    return {"article": article, "mine": mine, "theirs": theirs, "orphan": orphan}


def _pages(world, alice):
    a = world["article"]
    slug = a.slug
    return [
        ("article list", "/"),
        ("guidelines", "/guidelines/"),
        ("history", f"/articles/{slug}/history/"),
        ("article agreement", f"/articles/{slug}/agreement/"),
        ("article disagreements", f"/articles/{slug}/agreement/disagreements/"),
        ("project agreement", "/agreement/"),
        ("project disagreements", "/agreement/disagreements/"),
        ("anchors", f"/articles/{slug}/anchors/"),
        ("edit the text", f"/articles/{slug}/edit/"),
        ("add an article", "/articles/new/"),
        ("thread page", f"/annotations/{world['theirs'].pk}/thread/"),
        ("edit an annotation", f"/annotations/{world['mine'].pk}/edit/"),
        ("mentions", "/mentions/"),
        ("a person", f"/people/{alice.username}/"),
        ("review queue, disputed", "/review/?tab=disputed"),
        ("revision 1 of the article", f"/articles/{slug}/?revision=1"),
        ("select the words again", f"/annotations/{world['orphan'].pk}/anchor/"),
        ("not found", "/articles/no-such-article/"),
        ("search", "/search/?q=bridge"),
        ("notifications", "/notifications/"),
        ("import annotations", "/import/"),
        ("API tokens", "/account/tokens/"),
    ]


# The language is the browser's (Accept-Language from the context's locale); each page is
# audited in both themes on one visit (theme.js follows prefers-color-scheme as it changes),
# so the four combinations cost two runs of the tour.
LANGUAGES = {"en": ("en-US", "Sign out"), "es": ("es-ES", "Cerrar sesión")}


def _both_themes(page, where: str) -> list[str]:
    found = []
    for theme in ("light", "dark"):
        page.emulate_media(color_scheme=theme)
        expect(page.locator("html")).to_have_attribute("data-theme", theme)
        found += _findings(page, f"{where} [{theme}]")
    page.emulate_media(color_scheme="light")
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    return found


@pytest.fixture
def lang_context(browser, request):
    """A browser context whose Accept-Language is `lang`'s, and its console errors."""

    def _make(lang, **kwargs):
        context = browser.new_context(locale=LANGUAGES[lang][0], color_scheme="light", **kwargs)
        request.addfinalizer(context.close)
        page = context.new_page()
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        return page, errors

    return _make


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_page_passes_axe_in_both_themes_and_languages(
    lang_context, live_server, sign_in, world, alice, lang
):
    page, console_errors = lang_context(lang)
    found = []
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    found += _both_themes(page, "sign in")
    sign_in(alice, target_page=page)
    expect(page.locator(".site-user")).to_contain_text(LANGUAGES[lang][1])
    for name, path in _pages(world, alice):
        page.goto(live_server.url + path)
        found += _both_themes(page, name)

    # The reader, then with the picker open, then with a thread open.
    page.goto(live_server.url + world["article"].get_absolute_url())
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    found += _both_themes(page, "reader")
    drag_select(page, "Officials said")
    found += _both_themes(page, "reader with the picker")
    page.keyboard.press("Escape")
    page.locator(f"#ann-{world['theirs'].pk} [data-thread-open]").click()
    expect(page.locator("#thread-panel #thread")).to_be_visible()
    found += _both_themes(page, "reader with a thread")
    page.keyboard.press("Escape")
    page.keyboard.press("?")
    expect(page.locator("#keys-dialog")).to_be_visible()
    found += _both_themes(page, "keys overlay")

    # The review queue as a reviewer sees it: an item current, the reason box open.
    page.context.clear_cookies()
    sign_in(factories.make_user("dora"), target_page=page)
    page.goto(live_server.url + "/review/")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator(".queue-item.is-current")).to_be_visible()
    found += _both_themes(page, "review queue")
    page.keyboard.press("d")
    found += _both_themes(page, "review queue, disagreeing")

    assert found == [], "\n".join(found)
    # The one error expected: the 404 page's own status.
    assert [e for e in console_errors if "status of 404" not in e] == []


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_reader_on_a_phone_passes_axe(lang_context, live_server, sign_in, world, alice, lang):
    page, _ = lang_context(
        lang, viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True
    )
    sign_in(alice, target_page=page)
    page.goto(live_server.url + world["article"].get_absolute_url())
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    found = _both_themes(page, "phone reader")
    touch_select(page, "opened in 2019")
    found += _both_themes(page, "phone reader with the picker")
    page.keyboard.press("Escape")
    page.locator("[data-drawer-open]").click()
    expect(page.locator("#sidebar")).to_be_visible()
    found += _both_themes(page, "phone reader with the list open")
    page.locator(f"#ann-{world['theirs'].pk} [data-thread-open]").click()
    expect(page.locator("#thread-panel #thread")).to_be_visible()
    found += _both_themes(page, "phone reader with a thread")
    assert found == [], "\n".join(found)
