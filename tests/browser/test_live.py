"""The live reader with two signed-in people in two browser contexts: what one does
appears on the other's page without a reload."""

import pytest
from playwright.sync_api import expect

from annotator import services
from annotator.models import Annotation, Review
from tests import factories
from tests.browser.helpers import drag_select

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def second_page(browser, live_server):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def _open(page, live_server, article):
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    expect(page.locator("#live-status")).to_have_attribute("data-state", "live")


def test_b_tags_comments_and_gives_a_verdict_and_a_sees_it_without_reload(
    page, second_page, live_server, sign_in, article, alice, bob, console_errors
):
    mine = factories.annotate(article, alice, "shameful waste", "opinion")
    sign_in(alice)
    sign_in(bob, target_page=second_page)
    _open(page, live_server, article)
    _open(second_page, live_server, article)
    # Each sees the other reading.
    expect(page.locator("#presence")).to_contain_text("bob")
    expect(second_page.locator("#presence")).to_contain_text("alice")
    page.evaluate("window.__notReloaded = true")

    drag_select(second_page, "opened in 2019")
    second_page.keyboard.press("f")
    expect(second_page.locator("#picker")).to_be_hidden()
    created = Annotation.objects.get(author=bob)
    highlight = page.locator(f'[data-annotation-id="{created.pk}"]')
    expect(highlight).to_have_text("opened in 2019")
    expect(highlight).to_have_class("hl tag-fact")
    expect(page.locator(f"#ann-{created.pk}")).to_contain_text("bob")
    expect(page.locator('[data-count-tag="fact"]')).to_have_text("1")
    expect(page.locator("#sidebar-title [data-total]")).to_have_text("2")
    # In text order: "opened in 2019" comes before "shameful waste".
    ids = page.locator(".ann-list > .ann-item").evaluate_all("els => els.map(e => e.dataset.id)")
    assert ids == [str(created.pk), str(mine.pk)]

    # Bob comments on Alice's annotation, then agrees with it.
    second_page.locator(f"#ann-{mine.pk} [data-thread-open]").click()
    panel = second_page.locator("#thread-panel")
    panel.locator("#comment-body").fill("Loaded words, yes.")
    panel.get_by_role("button", name="Post comment").click()
    expect(page.locator(f"#ann-{mine.pk} .count-pill")).to_have_text("· 1 comment")
    panel.get_by_role("button", name="✓ Agree").click()
    expect(page.locator(f"#ann-{mine.pk} .status")).to_contain_text("Accepted")
    expect(page.locator(f'[data-annotation-id="{mine.pk}"]')).to_have_attribute(
        "data-status", "accepted"
    )
    expect(page.locator('[data-summary="opinion:accepted"]')).to_have_text("1")
    assert page.evaluate("window.__notReloaded") is True
    assert console_errors == []


def test_a_double_press_and_a_double_click_make_one_annotation(
    page, live_server, sign_in, article, alice
):
    sign_in(alice)
    _open(page, live_server, article)
    drag_select(page, "shameful waste")
    page.keyboard.press("o")
    page.keyboard.press("o")
    expect(page.locator("#picker")).to_be_hidden()
    drag_select(page, "Traffic will")
    page.locator("#picker button[value=fact]").dblclick()
    expect(page.locator("#picker")).to_be_hidden()
    expect(page.locator("#article-text [data-annotation-id]")).to_have_count(2)
    assert sorted(Annotation.objects.values_list("quote", flat=True)) == [
        "Traffic will",
        "shameful waste",
    ]
    expect(page.locator(".ann-list > .ann-item")).to_have_count(2)


def test_agree_instead_of_copying_someone_elses_tag(
    page, live_server, sign_in, article, alice, bob
):
    theirs = factories.annotate(article, bob, "shameful waste", "opinion")
    sign_in(alice)
    _open(page, live_server, article)
    drag_select(page, "shameful waste")
    agree = page.locator("#picker-agree")
    expect(agree).to_contain_text("bob tagged this Opinion")
    expect(page.locator("#picker button[value=opinion]")).to_be_disabled()
    expect(page.locator("#picker button[value=fact]")).to_be_enabled()
    page.keyboard.press("a")
    expect(page.locator("#picker")).to_be_hidden()
    expect(page.locator(f"#ann-{theirs.pk} .status")).to_contain_text("Accepted")
    expect(page.locator("#reader-notice")).to_contain_text("You agreed with bob")
    assert Annotation.objects.count() == 1
    review = Review.objects.get()
    assert (review.annotation, review.reviewer, review.verdict) == (theirs, alice, "agree")
    # A different tag on the same span stays allowed.
    drag_select(page, "shameful waste")
    page.keyboard.press("f")
    expect(page.locator("#picker")).to_be_hidden()
    assert Annotation.objects.filter(author=alice, tag__key="fact").count() == 1


def test_a_stale_edit_merges_my_fields_with_theirs(
    page, second_page, live_server, sign_in, article, alice
):
    a = factories.annotate(article, alice, "shameful waste", "opinion", note="first")
    sign_in(alice)
    sign_in(alice, target_page=second_page)
    _open(page, live_server, article)
    _open(second_page, live_server, article)
    # Tab one starts editing the note; tab two changes the tag meanwhile.
    item = page.locator(f"#ann-{a.pk}")
    item.get_by_role("link", name="Edit").click()
    item.get_by_label("Note").fill("my careful note")
    other = second_page.locator(f"#ann-{a.pk}")
    other.get_by_role("link", name="Edit").click()
    other.get_by_label("Tag").select_option("speculation")
    other.get_by_role("button", name="Save").click()
    expect(page.locator(f"#ann-{a.pk} .ann-item__jump .tag-chip")).to_have_text("Speculation")
    item.get_by_role("button", name="Save").click()
    conflict = item.locator(".conflict")
    expect(conflict).to_contain_text("changed by alice meanwhile")
    expect(conflict).to_contain_text("their change to the tag stays")
    expect(item.get_by_label("Tag")).to_have_value("speculation")
    expect(item.get_by_label("Note")).to_have_value("my careful note")
    item.get_by_role("button", name="Apply my change again").click()
    expect(page.locator(f"#ann-{a.pk} .ann-item__note")).to_have_text("my careful note")
    expect(page.locator(f'[data-annotation-id="{a.pk}"]')).to_have_class("hl tag-speculation")
    expect(second_page.locator(f"#ann-{a.pk} .ann-item__note")).to_have_text("my careful note")
    a.refresh_from_db()
    assert (a.tag.key, a.note, a.version) == ("speculation", "my careful note", 3)


def test_both_changed_the_tag_so_i_choose(page, live_server, sign_in, article, alice):
    a = factories.annotate(article, alice, "shameful waste", "opinion")
    sign_in(alice)
    _open(page, live_server, article)
    item = page.locator(f"#ann-{a.pk}")
    item.get_by_role("link", name="Edit").click()
    item.get_by_label("Tag").select_option("fact")
    services.annotation_update(annotation=a, actor=alice, version=1, tag="speculation")
    item.get_by_role("button", name="Save").click()
    expect(item.locator(".merge-choice")).to_contain_text("you both changed it")
    item.get_by_label("Theirs: Speculation").check()
    item.get_by_role("button", name="Apply my change again").click()
    expect(item.locator(".ann-edit")).to_have_count(0)
    a.refresh_from_db()
    assert (a.tag.key, a.version) == ("speculation", 3)


def test_the_page_draws_highlights_exactly_as_the_server_does(
    page, live_server, sign_in, tags, alice, bob, carol
):
    text = (
        "One two three four five six seven eight nine ten.\n\n"
        "Alpha beta gamma delta epsilon 😀 zeta eta theta.\n \nLast line here."
    )
    article = factories.make_article(created_by=alice, title="Overlaps", text=text)
    people = [alice, bob, carol]
    # Nested, crossing, identical, across paragraphs, and starting between paragraphs.
    spans = [(0, 13), (4, 13), (4, 9), (8, 30), (0, 60), (20, 25), (52, 80), (60, 66), (60, 66),
             (50, 58), (99, 104)]  # fmt: skip
    for n, (start, end) in enumerate(spans):
        services.annotation_create(
            article=article, author=people[n % 3], start=start, end=end,
            tag=["fact", "opinion", "speculation"][n % 3],
        )  # fmt: skip
    services.review_set(annotation=Annotation.objects.first(), reviewer=bob, verdict="disagree")
    sign_in(alice)
    _open(page, live_server, article)
    server = page.locator("#article-text").inner_html()
    # Repaint every paragraph with the page's own renderer and compare.
    client = page.evaluate(
        "() => { window.ClaimmarkReader.repaintAll();"
        " return document.getElementById('article-text').innerHTML; }"
    )
    assert client == server
    assert server.count("data-annotation-id=") == len(spans)


def test_presence_comes_and_goes(page, second_page, live_server, sign_in, article, alice, bob):
    sign_in(alice)
    sign_in(bob, target_page=second_page)
    _open(page, live_server, article)
    _open(second_page, live_server, article)
    expect(page.locator("#presence")).to_contain_text("Also reading: bob", timeout=5000)
    second_page.goto(f"{live_server.url}/")
    expect(page.locator("#presence")).to_be_empty(timeout=30000)


def test_typing_in_a_thread_shows_on_the_others_page(
    page, second_page, live_server, sign_in, article, alice, bob
):
    a = factories.annotate(article, alice, "shameful waste", "opinion")
    sign_in(alice)
    sign_in(bob, target_page=second_page)
    _open(page, live_server, article)
    _open(second_page, live_server, article)
    second_page.locator(f"#ann-{a.pk} [data-thread-open]").click()
    second_page.locator("#comment-body").type("I wonder")
    expect(page.locator(f"#ann-{a.pk} .ann-item__typing")).to_have_text(
        "bob is typing…", timeout=5000
    )


def test_the_unread_badge_counts_a_new_mention_without_reload(
    page, live_server, sign_in, article, alice, bob
):
    a = factories.annotate(article, bob, "shameful waste", "opinion")
    sign_in(alice)
    page.goto(f"{live_server.url}/guidelines/")
    badge = page.locator("#unread-link .badge")
    expect(badge).to_be_hidden()
    # The page's own small stream is open once its hello has arrived.
    expect(page.locator("#unread-link")).to_have_attribute("data-live", "1")
    services.comment_create(annotation=a, author=bob, body="What do you think, @alice?")
    expect(badge).to_be_visible()
    expect(badge.locator("[data-unread]")).to_have_text("1")
