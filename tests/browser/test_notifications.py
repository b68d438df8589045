import pytest
from playwright.sync_api import expect

from annotator import services
from annotator.models import Notification
from tests import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def second_page(browser, live_server):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_a_reply_raises_the_other_persons_badge_and_the_inbox_opens_it(
    page, second_page, live_server, sign_in, tags, alice, bob, console_errors
):
    article = factories.make_article(created_by=alice)
    a = factories.annotate(article, alice, "shameful waste", "opinion")
    first = services.comment_create(annotation=a, author=alice, body="Loaded words.")
    sign_in(alice)
    page.goto(f"{live_server.url}/guidelines/")
    badge = page.locator("#unread-link .badge")
    expect(page.locator("#unread-link")).to_have_attribute("data-live", "1")
    expect(badge).to_be_hidden()

    # Bob replies from the thread page, as a person would.
    sign_in(bob, target_page=second_page)
    second_page.goto(f"{live_server.url}/annotations/{a.pk}/thread/")
    comment = second_page.locator(f"#comment-{first.pk}")
    comment.locator("summary", has_text="Reply").click()
    comment.locator(".comment__reply textarea").fill("Which words exactly?")
    comment.get_by_role("button", name="Post reply").click()
    expect(second_page.locator(".comments--replies .comment")).to_contain_text("Which words")

    # Alice's badge rises without a reload; her inbox says what happened.
    expect(badge).to_be_visible()
    expect(badge.locator("[data-unread]")).to_have_text("1")
    page.locator("#unread-link").click()
    item = page.locator(".notification-list li").first
    expect(item).to_contain_text("bob replied to your comment")
    expect(item.locator(".pill--new")).to_be_visible()
    item.get_by_role("button", name="Open the comment").click()
    page.wait_for_url(f"**/annotations/{a.pk}/thread/#comment-*")
    expect(page.locator(".comments--replies .comment")).to_contain_text("Which words")
    expect(badge).to_be_hidden()
    assert not Notification.objects.filter(user=alice, is_read=False).exists()
    assert console_errors == []


def test_mention_completion_and_a_warning_for_nobodys_name(
    page, live_server, sign_in, tags, alice, bob, console_errors
):
    factories.make_user("Bobby")
    article = factories.make_article(created_by=alice)
    a = factories.annotate(article, alice, "shameful waste", "opinion")
    sign_in(alice)
    page.goto(f"{live_server.url}/annotations/{a.pk}/thread/")
    box = page.locator("#comment-body")
    box.click()
    box.press_sequentially("Ask @BO")
    options = page.get_by_role("listbox", name="People to mention").get_by_role("option")
    expect(options).to_have_text(["@bob", "@Bobby"])
    box.press("ArrowDown")
    box.press("ArrowUp")
    box.press("Enter")  # takes @bob, does not post
    expect(box).to_have_value("Ask @bob ")
    box.press_sequentially("and @zed please")
    warning = page.locator(".mention-warning")
    expect(warning).to_have_text("⚠ Nobody has the user name @zed: nobody will be told.")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".comment").first).to_contain_text("Ask")
    # The server says the same after posting, and bob alone was told.
    expect(page.locator(".form-warning[role=status]").first).to_contain_text("@zed")
    assert Notification.objects.get(kind="mention").user == bob
    assert console_errors == []
