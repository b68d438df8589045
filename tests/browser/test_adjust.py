import re

import pytest
from playwright.sync_api import expect

from annotator import services
from annotator.models import Annotation
from tests import factories

pytestmark = pytest.mark.browser

WORD_END = """([phrase]) => {
  const p = Array.from(document.querySelectorAll('#article-text > p'))
    .find((el) => el.textContent.includes(phrase));
  const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
  let all = '', nodes = [];
  while (walker.nextNode()) {
    nodes.push([walker.currentNode, all.length]);
    all += walker.currentNode.data;
  }
  const at = all.indexOf(phrase) + phrase.length - 1;
  const [node, base] = nodes.filter(([n, b]) => b <= at).pop();
  const r = document.createRange(); r.setStart(node, at - base); r.setEnd(node, at - base + 1);
  const box = r.getBoundingClientRect();
  return {x: box.right - 1, y: box.top + box.height / 2};
}"""


@pytest.fixture
def adjusted(live_server, tags, alice, bob):
    article = factories.make_article(created_by=alice)
    annotation = factories.annotate(article, alice, "the bridge", "fact")
    services.review_set(annotation=annotation, reviewer=bob, verdict="agree")
    return article, annotation


@pytest.fixture
def second_page(browser, live_server):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def test_drag_the_end_of_a_span_save_and_see_the_history(
    live_server, page, second_page, sign_in, adjusted, bob, console_errors
):
    article, annotation = adjusted
    # Bob reads the same article: the moved span repaints on his page too.
    sign_in(bob, target_page=second_page)
    second_page.goto(live_server.url + article.get_absolute_url())
    expect(second_page.locator("#live-status")).to_have_attribute("data-state", "live")
    sign_in(annotation.author)
    page.goto(live_server.url + article.get_absolute_url())
    page.locator(f"#ann-{annotation.pk}").get_by_role("button", name="Adjust span").click()
    bar = page.get_by_role("region", name="Adjust the span")
    expect(bar).to_contain_text("the bridge")
    handle = page.get_by_role("button", name=re.compile("^End of the span"))
    expect(handle).to_be_focused()

    box = handle.bounding_box()
    target = page.evaluate(WORD_END, ["opened"])
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(target["x"], target["y"], steps=6)
    page.mouse.up()
    expect(bar.locator("q")).to_have_text("the bridge opened")
    page.keyboard.press("Enter")
    expect(bar).to_be_hidden()

    # The highlight is repainted over the new words, and the server has them.
    marks = page.locator(f'#article-text mark[data-annotation-id="{annotation.pk}"]')
    expect(marks.first).to_contain_text("the bridge opened")
    expect(page.locator(f"#ann-{annotation.pk} .ann-item__quote")).to_have_text("the bridge opened")
    theirs = second_page.locator(f'#article-text mark[data-annotation-id="{annotation.pk}"]')
    expect(theirs.first).to_contain_text("the bridge opened")
    expect(second_page.locator(f"#ann-{annotation.pk} .status")).to_contain_text("Pending")
    saved = Annotation.objects.get(pk=annotation.pk)
    assert saved.quote == "the bridge opened"
    assert saved.claim_version == 2  # bob's agreement judged the old span

    page.locator(f"#ann-{annotation.pk} [data-thread-open]").click()
    panel = page.locator("#thread-panel")
    panel.locator("#history summary").click()
    expect(panel.locator("#history")).to_contain_text("the bridge opened")
    expect(panel.locator("#history")).to_contain_text("span adjusted")
    assert console_errors == []


def test_shift_arrows_move_the_ends_and_escape_cancels(
    live_server, page, sign_in, adjusted, console_errors
):
    article, annotation = adjusted
    sign_in(annotation.author)
    page.goto(live_server.url + article.get_absolute_url())
    page.locator(f"#ann-{annotation.pk}").get_by_role("button", name="Adjust span").click()
    bar = page.get_by_role("region", name="Adjust the span")
    expect(bar.locator("q")).to_have_text("the bridge")
    expect(page.get_by_role("button", name=re.compile("^End of the span"))).to_be_focused()
    page.keyboard.press("Control+Shift+ArrowRight")  # the end, a word on
    expect(bar.locator("q")).to_have_text("the bridge opened")
    page.keyboard.press("Alt+Shift+ArrowRight")  # the start, a character on
    expect(bar.locator("q")).to_have_text("he bridge opened")
    page.keyboard.press("Alt+Shift+ArrowLeft")
    page.keyboard.press("Shift+ArrowLeft")
    expect(bar.locator("q")).to_have_text("the bridge opene")
    page.keyboard.press("Escape")
    expect(bar).to_be_hidden()
    assert Annotation.objects.get(pk=annotation.pk).quote == "the bridge"
    expect(page.locator(f"#ann-{annotation.pk} .ann-item__adjust")).to_be_focused()

    page.locator(f"#ann-{annotation.pk}").get_by_role("button", name="Adjust span").click()
    expect(page.get_by_role("button", name=re.compile("^End of the span"))).to_be_focused()
    page.keyboard.press("Control+Shift+ArrowLeft")  # "the |bridge": the end a word back
    expect(bar.locator("q")).to_have_text("the")
    page.keyboard.press("Enter")
    expect(page.locator(f"#ann-{annotation.pk} .ann-item__quote")).to_have_text("the")
    assert console_errors == []


def test_only_the_author_sees_adjust(live_server, page, sign_in, adjusted, bob):
    article, annotation = adjusted
    sign_in(bob)
    page.goto(live_server.url + article.get_absolute_url())
    expect(page.locator(f"#ann-{annotation.pk}")).to_be_visible()
    expect(page.locator(f"#ann-{annotation.pk} .ann-item__adjust")).to_have_count(0)
