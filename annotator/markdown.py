"""Comment Markdown: CommonMark without raw HTML, then sanitised with nh3.

Two layers on purpose: markdown-it-py escapes any HTML typed into a comment (`html`
disabled) and refuses `javascript:`-style links; nh3 then keeps only the handful of
tags a comment needs, whatever a future Markdown plug-in might emit. `@username`
becomes a link to that person, except inside code and inside links.
"""

import re
from collections.abc import Callable, Iterable

import nh3
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

# Django user names are letters, digits and @.+-_; a mention ends before trailing
# punctuation ("thanks @bob." mentions bob) and does not start inside an e-mail address.
MENTION_RE = re.compile(r"(?<![\w@.+-])@([\w.+-]*\w)")

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_CLASSES = {"a": {"mention"}}
LINK_REL = "nofollow noopener"
URL_SCHEMES = {"http", "https", "mailto"}


def _mention_tokens(text: str, is_known: Callable[[str], bool]) -> list[Token]:
    tokens = []
    cursor = 0
    for match in MENTION_RE.finditer(text):
        username = match.group(1)
        known = is_known(username)
        if not known:
            continue
        if isinstance(known, str):
            username = known  # the user name as it is spelled (`@Alice` is alice)
        if match.start() > cursor:
            tokens.append(_text(text[cursor : match.start()]))
        link = Token("link_open", "a", 1)
        link.attrs = {"href": reverse("annotator:person_detail", args=[username])}
        link.attrSet("class", "mention")
        tokens += [link, _text("@" + username), Token("link_close", "a", -1)]
        cursor = match.end()
    if cursor < len(text):
        tokens.append(_text(text[cursor:]))
    return tokens


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _mentions_rule(state: StateCore) -> None:
    is_known = state.env.get("is_known_user", lambda name: True)
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children = []
        depth = 0  # inside a link, a mention stays plain text
        for token in block.children:
            if token.type == "link_open":
                depth += 1
            elif token.type == "link_close":
                depth -= 1
            if token.type == "text" and depth == 0 and "@" in token.content:
                children += _mention_tokens(token.content, is_known)
            else:
                children.append(token)
        block.children = children


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False})
    md.disable("image")  # no remote images: they leak who reads a thread
    md.core.ruler.push("mentions", _mentions_rule)
    return md


_md = _parser()


def mentioned_usernames(body: str) -> set[str]:
    """User names written as `@name` in `body`, outside code and links."""
    found: set[str] = set()

    def collect(name: str) -> bool:
        found.add(name)
        return False

    _md.parse(body, {"is_known_user": collect})
    return found


def render(body: str, known_usernames: Iterable[str] | None = None) -> SafeString:
    """Comment Markdown as safe HTML. Mentions link only to `known_usernames` when given,
    whatever the case they were written in."""
    if known_usernames is None:
        env = {"is_known_user": lambda name: True}
    else:
        known = {name.lower(): name for name in known_usernames}
        env = {"is_known_user": lambda name: known.get(name.lower())}
    html = _md.render(body, env)
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        link_rel=LINK_REL,
        url_schemes=URL_SCHEMES,
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 just above
