"""Verdicts tied to versions, settlement and the agreement charts, driven in Chromium
with the mouse and the keyboard."""

import pytest
from playwright.sync_api import expect

from annotator import services
from annotator.models import Annotation
from tests import factories

pytestmark = pytest.mark.browser


def test_curator_settles_disputes_from_the_queue_with_the_keyboard(
    live_server, page, sign_in, tags, alice, bob, carol, console_errors
):
    curator = factories.make_curator(carol)
    article = factories.make_article(created_by=alice)
    first = factories.annotate(article, alice, "shameful waste", "fact")
    second = factories.annotate(article, alice, "probably double", "fact")
    for annotation in (first, second):
        services.review_set(
            annotation=annotation, reviewer=bob, verdict="disagree", proposed_tag="opinion"
        )

    sign_in(curator)
    page.goto(live_server.url + "/review/?tab=disputed")
    remaining = page.locator("#queue-remaining")
    expect(remaining).to_contain_text("2 annotations")
    expect(page.locator(".queue-item.is-current")).to_have_id(f"disputed-{first.pk}")

    page.keyboard.press("j")
    expect(page.locator(".queue-item.is-current")).to_have_id(f"disputed-{second.pk}")
    page.keyboard.press("k")
    page.keyboard.press("o")  # Opinion as the final tag, and the reason field
    reason = page.locator(f"#settle-reason-{first.pk}")
    expect(reason).to_be_focused()
    expect(page.locator(f'#disputed-{first.pk} input[value="opinion"]')).to_be_checked()
    page.keyboard.type("A judgement, not a record.")
    page.keyboard.press("Control+Enter")
    expect(remaining).to_contain_text("1 annotation ")
    expect(page.locator(".queue-item.is-current")).to_have_id(f"disputed-{second.pk}")

    settled = Annotation.objects.with_status().get(pk=first.pk)
    assert (settled.status, settled.settled_tag.key) == ("settled", "opinion")
    assert settled.settled_reason == "A judgement, not a record."

    # Ctrl+Enter without a final tag: the browser asks for one, nothing is sent.
    page.locator(f"#settle-reason-{second.pk}").focus()
    page.keyboard.type("No tag chosen")
    page.keyboard.press("Control+Enter")
    expect(remaining).to_contain_text("1 annotation ")
    assert Annotation.objects.with_status().get(pk=second.pk).status == "disputed"
    assert console_errors == []


def test_the_reader_shows_a_settlement_and_the_thread_its_outdated_verdicts(
    live_server, page, sign_in, tags, alice, bob, carol, console_errors
):
    article = factories.make_article(created_by=alice)
    annotation = factories.annotate(article, alice, "shameful waste", "fact")
    services.review_set(annotation=annotation, reviewer=bob, verdict="agree")
    services.annotation_update(annotation=annotation, actor=alice, tag="opinion")
    services.review_set(annotation=annotation, reviewer=carol, verdict="disagree")
    curator = factories.make_curator(factories.make_user("dora"))
    services.annotation_settle(
        annotation=annotation, actor=curator, tag="opinion", reason="Evaluative."
    )

    sign_in(bob)
    page.goto(live_server.url + article.get_absolute_url())
    item = page.locator(f"#ann-{annotation.pk}")
    expect(item.locator(".status")).to_have_text("⚖ Settled")
    expect(item.locator(".ann-item__final")).to_contain_text("Opinion")
    item.locator("[data-thread-open]").click()
    panel = page.locator("#thread-panel")
    expect(panel.locator(".settlement")).to_contain_text("Evaluative.")
    expect(panel.locator(".verdicts--outdated")).to_contain_text("agreed with version 1: Fact")
    expect(panel.locator(".verdict-form__title--changed")).to_contain_text(
        "Changed since your verdict"
    )
    panel.get_by_role("button", name="✓ Agree").click()
    expect(panel.locator(".verdicts--outdated")).to_have_count(0)
    assert console_errors == []


def test_agreement_chart_cells_open_their_lists_by_mouse_and_keyboard(
    live_server, page, sign_in, tags, alice, bob, console_errors
):
    article = factories.make_article(created_by=alice)
    factories.annotate(article, alice, "Officials said the bridge", "fact")
    mine = factories.annotate(article, bob, "Officials said the bridge", "opinion")
    factories.annotate(article, bob, "probably double", "speculation")

    sign_in(alice)
    page.goto(live_server.url + f"/articles/{article.slug}/agreement/")
    expect(page.locator("h1")).to_have_text("How far the annotators agree")
    # Mouse: the alice x bob cell of the heatmap.
    page.locator('.chart--heatmap a[href$="?a=alice&b=bob"]').click()
    expect(page.locator("h1")).to_have_text("Disagreements")
    expect(page.locator(".disagreement")).to_have_count(2)
    page.locator(".disagreement").first.get_by_role("link", name="Open its thread").last.click()
    expect(page.locator("#thread-title")).to_be_visible()

    # Keyboard: tab onto the confusion cell Fact -> Opinion and press Enter.
    page.goto(live_server.url + f"/articles/{article.slug}/agreement/")
    target = page.locator('.chart--confusion a[href$="tag=fact&other_tag=opinion"]')
    for _ in range(80):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            break
    else:
        pytest.fail("the confusion cell was never reached with Tab")
    page.keyboard.press("Enter")
    expect(page.locator(".disagreement")).to_have_count(1)
    expect(page.locator(".disagreement")).to_contain_text("Officials said the bridge")
    expect(page.locator(f'a[href="/annotations/{mine.pk}/thread/"]')).to_be_visible()
    assert console_errors == []


def test_agreement_page_fits_a_phone(live_server, browser, tags, alice, bob):
    article = factories.make_article(created_by=alice)
    for who, tag in ((alice, "fact"), (bob, "opinion")):
        factories.annotate(article, who, "Officials said the bridge", tag)
    context = browser.new_context(viewport={"width": 375, "height": 800}, is_mobile=True)
    phone = context.new_page()
    phone.goto(live_server.url + "/accounts/login/")
    phone.fill("#id_username", "alice")
    phone.fill("#id_password", factories.PASSWORD)
    phone.click("main button[type=submit]")
    phone.wait_for_url(live_server.url + "/")
    phone.goto(live_server.url + f"/articles/{article.slug}/agreement/")
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0  # wide charts scroll inside their own box
    expect(phone.locator(".figure-card").first).to_be_visible()
    context.close()
