"""English and Spanish in a real Chromium: the header's switcher, a tag made in Spanish
(the reader's script speaks Spanish too), times in the browser's zone, named."""

import re

import pytest
from playwright.sync_api import expect

from annotator.models import Annotation, Preference
from tests.browser.helpers import drag_select

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CERTAIN = (
    "it is certain that movements hijacked by the right, such as Gen Z Mexico, "
    "will not be as successful as expected"
)


@pytest.fixture
def browser_context_args(browser_context_args):
    # A reader in Bogotá whose browser asks for English.
    return {**browser_context_args, "locale": "en-US", "timezone_id": "America/Bogota"}


def test_switch_to_spanish_and_tag_a_passage(
    page, live_server, sign_in, seed_article, alice, console_errors
):
    sign_in(alice)
    page.goto(f"{live_server.url}{seed_article.get_absolute_url()}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.locator(".lang-switch button[value=es]").click()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.locator("#sidebar-title")).to_contain_text("Anotaciones")
    expect(page.locator(".lang-switch button[value=es]")).to_have_attribute("aria-pressed", "true")
    assert Preference.objects.get(user=alice).language == "es"

    drag_select(page, CERTAIN)
    expect(page.locator("#picker-title")).to_have_text("Etiquetar este pasaje")
    expect(page.locator("#picker")).to_contain_text("Especulación")
    page.keyboard.press("s")
    expect(page.locator("#article-text mark.tag-speculation")).to_have_count(1)
    assert Annotation.objects.get().tag.key == "speculation"
    item = page.locator(".ann-item").first
    # Built by reader.js from the event: Spanish words, the time in Bogotá's zone.
    expect(item).to_contain_text("Pendiente")
    expect(item).to_contain_text("0 comentarios")
    expect(item.locator("time")).to_have_text(re.compile(r"\d\d:\d\d GMT-5$"))
    total, word = page.evaluate(
        "[document.querySelector('[data-total]').textContent,"
        " document.querySelector('[data-total-word]').textContent]"
    )
    assert word == ("anotación" if total == "1" else "anotaciones")
    page.screenshot(path="test-results/reader-es.png", full_page=False)

    # Reloaded, the server shows the same time, in the zone the browser reported.
    page.reload()
    expect(page.locator(".ann-item time").first).to_have_text(re.compile(r"\d\d:\d\d GMT-5$"))
    page.goto(f"{live_server.url}/")
    page.screenshot(path="test-results/list-es.png")
    assert console_errors == []

    page.locator(".lang-switch button[value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".site-nav")).to_contain_text("Articles")
