import re

import pytest
from playwright.sync_api import expect

from annotator.models import Comment
from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def discussed(live_server, tags, alice, bob):
    article = factories.make_article(created_by=alice)
    annotation = factories.annotate(article, alice, "shameful waste", "opinion", note="Judgement")
    return article, annotation


def test_thread_opens_in_a_panel_and_a_comment_is_posted_edited_and_deleted(
    live_server, page, sign_in, discussed, bob, console_errors
):
    article, annotation = discussed
    sign_in(bob)
    page.goto(live_server.url + article.get_absolute_url())
    page.click(f"#ann-{annotation.pk} [data-thread-open]")
    panel = page.locator("#thread-panel")
    expect(panel.locator("#thread-title")).to_be_focused()
    expect(panel).to_contain_text("Judgement")
    assert page.url == live_server.url + article.get_absolute_url()  # never left the page

    panel.get_by_role("button", name="Post comment").click()
    expect(panel.locator("#comment-error")).to_contain_text("Write something")

    panel.locator("#comment-body").fill("Is this **really** opinion? @alice")
    panel.get_by_role("button", name="Post comment").click()
    comment = panel.locator(".comment").first
    expect(comment.locator("strong")).to_have_text("really")
    expect(comment.locator("a.mention")).to_have_attribute("href", "/people/alice/")
    # The sidebar count follows.
    expect(page.locator(f"#ann-{annotation.pk} .count-pill")).to_contain_text("1")

    comment.locator("summary", has_text="Reply").click()
    comment.locator(".comment__reply textarea").fill("A reply")
    comment.get_by_role("button", name="Post reply").click()
    expect(panel.locator(".comments--replies .comment")).to_contain_text("A reply")

    first = panel.locator(".comment").first
    first.locator("summary", has_text="Edit").click()
    first.locator(".comment__edit textarea").fill("Is this really opinion?")
    first.get_by_role("button", name="Save").click()
    expect(panel.locator(".comment").first.locator(".comment__edited")).to_have_text("edited")

    page.once("dialog", lambda dialog: dialog.accept())
    panel.locator(".comment").first.get_by_role("button", name="Delete").click()
    expect(panel.locator(".comment--deleted")).to_contain_text("comment deleted")
    assert Comment.objects.filter(deleted_at__isnull=False).count() == 1

    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    # Only the refused empty comment (a 400 by design) may show in the console.
    assert [e for e in console_errors if "400" not in e] == []


def test_highlight_opens_its_thread_and_reviewer_gives_a_verdict(
    live_server, page, sign_in, discussed, bob, console_errors
):
    article, annotation = discussed
    sign_in(bob)
    page.goto(live_server.url + article.get_absolute_url())
    page.locator("#article-text mark", has_text="shameful").first.click()
    panel = page.locator("#thread-panel")
    expect(panel.locator("#thread")).to_be_visible()
    panel.locator("summary", has_text="Disagree").click()
    panel.locator("select[name=proposed_tag]").select_option("fact")
    panel.locator("textarea[name=comment]").fill("It is checkable.")
    panel.get_by_role("button", name="Disagree", exact=True).click()
    expect(panel.locator(".status")).to_contain_text("Disputed")
    expect(page.locator(f"#ann-{annotation.pk} .status")).to_contain_text("Disputed")
    expect(page.locator("#article-text mark[data-status=disputed]").first).to_be_visible()
    assert re.search(r"disagrees", panel.inner_text())
    assert console_errors == []
