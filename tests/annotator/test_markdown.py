from html.parser import HTMLParser

import pytest

from annotator import markdown


def test_renders_the_markdown_a_comment_needs():
    html = markdown.render(
        "**bold** *italics* [site](https://example.org)\n\n- one\n- two\n\n1. first\n\n"
        "> quoted\n\n`inline` and\n\n```\nblock\n```"
    )
    for fragment in [
        "<strong>bold</strong>",
        "<em>italics</em>",
        "<li>one</li>",
        "<ol>",
        "<blockquote>",
        "<code>inline</code>",
        "<pre><code>block",
    ]:
        assert fragment in html
    assert '<a href="https://example.org" rel="nofollow noopener">site</a>' in html


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        '<svg onload="alert(1)"></svg>',
        "<a href='javascript:alert(1)'>x</a>",
        '[x](https://e.org "title" onmouseover="alert(1)")',
        "![x](https://e.org/x.png)",
        "<<script>script>alert(1)<</script>/script>",
    ],
)
def test_html_and_dangerous_links_are_removed_from_comments(body):
    elements = _elements(markdown.render(body))
    assert {tag for tag, _ in elements} <= markdown.ALLOWED_TAGS
    for _tag, attrs in elements:
        assert not [name for name in attrs if name.startswith("on")]
        href = attrs.get("href")
        assert href is None or href.startswith(("https:", "http:", "mailto:", "/"))


def test_typed_html_stays_readable_as_text():
    html = markdown.render("Use <b>tags</b> & <script>x</script>")
    assert "&lt;b&gt;tags&lt;/b&gt;" in html
    assert "&amp;" in html


def test_mentions_link_to_known_people_only():
    html = markdown.render("Ask @bob and @nobody, not me@example.org.", known_usernames={"bob"})
    assert '<a href="/people/bob/" class="mention" rel="nofollow noopener">@bob</a>' in html
    assert "@nobody" in html and "/people/nobody/" not in html
    assert "/people/example.org/" not in html


def test_mentions_are_not_found_in_code_or_links():
    assert markdown.mentioned_usernames("hi @bob, `@carol` [@dave](https://x.org) @erin.") == {
        "bob",
        "erin",
    }


def _elements(html: str) -> list[tuple[str, dict]]:
    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, dict(attrs)))

    Collector().feed(html)
    return found
