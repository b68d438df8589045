"""Finding 7 in a real Chromium: an error to an htmx request shows where the person
acted, and a signed-out tab goes to sign-in instead of showing it inside the reader."""

import pytest
from playwright.sync_api import expect

from annotator import services
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_signed_out_tab_changing_a_filter_goes_to_sign_in(
    page, live_server, sign_in, article, alice, context
):
    sign_in(alice)
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    expect(page.locator("#article-text")).to_be_visible()
    context.clear_cookies()  # signed out elsewhere
    page.locator(".tag-counts .tag-chip.tag-fact").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/**")
    assert "next=/articles/the-bridge/" in page.url
    expect(page.locator("#article-text")).to_have_count(0)
    expect(page.locator("form input[name=password]")).to_have_count(1)
    expect(page.locator("header.site-header")).to_have_count(1)  # one page, not two


def test_saving_an_annotation_deleted_in_another_tab_says_so_in_place(
    page, live_server, sign_in, article, alice
):
    a = factories.annotate(article, alice, "shameful waste", "opinion")
    sign_in(alice)
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    item = page.locator(f"#ann-{a.pk}")
    item.get_by_role("link", name="Edit").click()
    item.get_by_label("Note").fill("a note")

    def deleted_just_before(route):  # in another tab, as this save leaves
        services.annotation_delete(annotation=a, actor=alice)
        route.continue_()

    page.route(f"**/annotations/{a.pk}/edit/", deleted_just_before)
    item.get_by_role("button", name="Save").click()
    # The live reader drops the deleted annotation; if its form is still there, the
    # reason shows in it. Either way: no page inside the page.
    expect(page.locator(f"#ann-{a.pk} .ann-edit")).to_have_count(0)
    expect(page.locator("header.site-header")).to_have_count(1)
    expect(page.locator("#article-text")).to_be_visible()
