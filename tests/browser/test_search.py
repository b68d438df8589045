import re

import pytest
from playwright.sync_api import expect

from annotator import services
from tests import factories

pytestmark = pytest.mark.browser


def test_search_from_the_header_lands_on_the_highlight(
    live_server, page, sign_in, tags, alice, bob, console_errors
):
    article = factories.make_article(created_by=alice)
    annotation = factories.annotate(article, alice, "probably double", "speculation")
    services.comment_create(annotation=annotation, author=bob, body="Which forecast says so?")
    sign_in(bob)
    box = page.get_by_role("searchbox", name="Search annotations and articles")
    box.fill("forecast")
    box.press("Enter")
    page.wait_for_url("**/search/?q=forecast")
    hit = page.locator(f"#hit-{annotation.pk}")
    expect(hit.locator("mark")).to_have_text("forecast")
    expect(page.get_by_role("heading", name=article.title)).to_be_visible()
    hit.get_by_role("link", name="Show in the article").click()
    page.wait_for_url(f"**{article.get_absolute_url()}#annotation-{annotation.pk}")
    mark = page.locator(f'#article-text mark[data-annotation-id="{annotation.pk}"]')
    expect(mark).to_have_class(re.compile("is-active"))
    expect(mark).to_be_focused()
    expect(page.locator(f"#ann-{annotation.pk}")).to_have_class(re.compile("is-active"))
    assert console_errors == []
