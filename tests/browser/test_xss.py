"""HTML and script typed into any field people can write is shown as text or sanitised:
nothing runs (no dialog, nothing written to `window`) and the text stays readable."""

import pytest
from playwright.sync_api import expect

from annotator import services
from tests import factories

pytestmark = pytest.mark.browser

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=2">',
    "[click me](javascript:window.__xss=3)",
    "<svg onload=alert(4)>",
    '<a href="javascript:alert(5)">link</a>',
    "<<script>alert(6)//<</script>",
    '[x](https://example.org" onmouseover="alert(7))',
    '"><img src=x onerror=alert(8)>',
    "[y](<javascript:alert(9)>)",
    "<details open ontoggle=alert(10)>",
]
ALL = "\n\n".join(PAYLOADS)
# User names cannot hold "/" (it would break their URL); the rest of the tricks apply.
EVIL_NAME = '"><img src=x onerror=alert(11)>'


def test_no_payload_runs_on_the_pages_that_show_it(
    live_server, page, sign_in, tags, alice, bob, carol
):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    evil = factories.make_user(EVIL_NAME)
    article = factories.make_article(
        created_by=alice,
        title="<script>window.__xss=12</script> title",
        text="Intro <img src=x onerror=alert(13)> here.\n\n" + " ".join(PAYLOADS) + " end.",
    )
    annotation = factories.annotate(article, alice, "Intro", "fact", note=ALL[:2000])
    evil_annotation = factories.annotate(article, evil, "here", "opinion", note=PAYLOADS[1])
    for body in [*PAYLOADS, "@bob " + ALL]:
        services.comment_create(annotation=annotation, author=evil, body=body)
    services.review_set(
        annotation=annotation,
        reviewer=evil,
        verdict="disagree",
        proposed_tag="opinion",
        comment=ALL[:2000],
    )

    sign_in(bob)
    page.goto(live_server.url + article.get_absolute_url())
    page.click(f"#ann-{annotation.pk} [data-thread-open]")
    panel = page.locator("#thread-panel")
    expect(panel.locator(".comment").first).to_be_visible()
    assert panel.locator("a", has_text="click me").count() == 0  # no javascript: link
    for link in panel.locator(".comment a").all():
        href = link.get_attribute("href") or ""
        assert href.startswith(("http://", "https://", "/")), href
        link.hover()
    panel_text = panel.inner_text()
    assert "<script>window.__xss=1</script>" in panel_text  # readable, as typed
    assert '<img src=x onerror="window.__xss=2">' in panel_text
    assert EVIL_NAME in panel_text

    pages = [
        f"/annotations/{annotation.pk}/thread/",
        "/review/",
        "/review/?tab=disputed",
        "/mentions/",
        f"/annotations/{evil_annotation.pk}/thread/",
        "/",
        "/notifications/",
        # Search marks the matches in text it has escaped first.
        "/search/?q=script",
        "/search/?q=img+onerror",
        "/search/?q=alert",
        "/search/?q=%3Cscript%3Ewindow.__xss%3D1%3C%2Fscript%3E",
    ]
    for path in pages:
        page.goto(live_server.url + path)
        page.mouse.move(200, 300)
        # Every image has loaded or failed (so any onerror has run) and a frame was
        # painted after the mouse moved (so any onmouseover has run).
        page.wait_for_load_state("load")
        page.evaluate("() => new Promise((done) => requestAnimationFrame(() => done()))")
        assert page.evaluate("typeof window.__xss") == "undefined", path
    page.goto(live_server.url + "/review/")
    assert EVIL_NAME in page.inner_text("#queue")
    page.goto(live_server.url + "/mentions/")
    assert "<script>window.__xss=1</script>" in page.inner_text("main")
    page.goto(live_server.url + "/notifications/")
    assert f"{EVIL_NAME} mentioned you" in page.inner_text("main")
    page.goto(live_server.url + "/search/?q=onerror")
    assert '<img src=x onerror="window.__xss=2">' in page.inner_text("main")
    page.goto(live_server.url + article.get_absolute_url())
    assert "Intro <img src=x onerror=alert(13)> here." in page.inner_text("#article-text")
    assert "<script>window.__xss=12</script> title" in page.inner_text("h1")
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert dialogs == []
