import pytest
from playwright.sync_api import expect

from annotator.models import Review
from tests import factories

pytestmark = pytest.mark.browser


def test_review_queue_keyboard_flow(live_server, page, sign_in, tags, alice, bob, console_errors):
    article = factories.make_article(created_by=alice)
    first = factories.annotate(article, alice, "bridge", "fact")
    second = factories.annotate(article, alice, "shameful waste", "opinion")
    third = factories.annotate(article, alice, "probably double", "speculation")
    factories.annotate(article, bob, "Officials", "fact")  # his own: never in his queue

    sign_in(bob)
    page.goto(live_server.url + "/review/")
    remaining = page.locator("#queue-remaining")
    expect(remaining).to_contain_text("3 annotations")
    expect(page.locator(".queue-item.is-current")).to_have_id(f"queue-item-{first.pk}")
    expect(page.locator(".queue-item").first).to_contain_text("Officials said the bridge")

    page.keyboard.press("a")
    expect(remaining).to_contain_text("2 annotations")
    expect(page.locator(".queue-item.is-current")).to_have_id(f"queue-item-{second.pk}")

    page.keyboard.press("j")
    expect(page.locator(".queue-item.is-current")).to_have_id(f"queue-item-{third.pk}")
    page.keyboard.press("k")
    page.keyboard.press("j")
    page.keyboard.press("d")
    reason = page.locator(f"#queue-item-{third.pk} textarea[name=comment]")
    expect(reason).to_be_focused()
    page.keyboard.type("Forecast, but it does say probably.")
    page.keyboard.press("Control+Enter")
    expect(remaining).to_contain_text("1 annotation ")
    expect(page.locator(".queue-item.is-current")).to_have_id(f"queue-item-{second.pk}")

    verdicts = {r.annotation_id: (r.verdict, r.comment) for r in Review.objects.all()}
    assert verdicts == {
        first.pk: ("agree", ""),
        third.pk: ("disagree", "Forecast, but it does say probably."),
    }

    page.get_by_role("link", name="Disputed").click()
    expect(page.locator(f"#disputed-{third.pk}")).to_contain_text("Forecast, but it does say")
    assert console_errors == []
