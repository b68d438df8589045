"""Search: annotations by their quote, note, live comments, verdict reasons and settlement
reason, and articles by their title and text.

On PostgreSQL, full-text search (django.contrib.postgres.search) in the text search
configuration of each article's language: Spanish and English match other forms of a
word ("arrests" finds "arrested"), any other language matches words as written
("simple"). Annotations are read from their SearchDocument (a GIN index), articles
through an index on the expression ARTICLE_VECTOR. The query is read as a web search
does: words (all of them), "a phrase", `or`, `-word`.

On SQLite (development), every word of the query must appear in one of those texts
(and no -word), case-insensitively for ASCII letters; no stemming, and `or` and
phrases are read as plain words.

The matching words are marked for the page by `highlight()`, which escapes the text
first and then wraps the matches in <mark>, so no input can become markup.
"""

import html
import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import BooleanField, Exists, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils.formats import number_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from annotator.models import Annotation, Comment, Review, SearchDocument, search_config
from annotator.selectors import filters
from articles.models import Article

QUERY_MAX_LENGTH = 200
SEARCH_PAGE = 50
PAGES_MAX = 1000  # 50,000 results; a narrower search beats paging further
ARTICLE_RESULTS = 10
SNIPPET = 90  # code points of context either side of a match
CONFIGS = ("english", "spanish", "simple")
# The configuration of the article row, as in migration 0011's index (word for word, so
# PostgreSQL recognises the indexed expression).
_CONFIG = (
    "CASE WHEN lower(articles_article.language) LIKE 'es%%' THEN 'spanish'::regconfig "
    "WHEN lower(articles_article.language) LIKE 'en%%' THEN 'english'::regconfig "
    "ELSE 'simple'::regconfig END"
)
ARTICLE_VECTOR = f"to_tsvector({_CONFIG}, articles_article.title || ' ' || articles_article.text)"
WORD_RE = re.compile(r"\w+")


def clean_query(value) -> str:
    """The query as typed, trimmed; a ValidationError with a sentence when unreadable."""
    if not isinstance(value, str):
        raise ValidationError(_("The search must be text."), code="q")
    value = value.strip()
    if "\x00" in value:
        raise ValidationError(_("q holds a NUL character."), code="q")
    if len(value) > QUERY_MAX_LENGTH:
        raise ValidationError(
            _("The search has %(count)s characters; the limit is %(limit)s.")
            % {
                "count": number_format(len(value), force_grouping=True),
                "limit": number_format(QUERY_MAX_LENGTH),
            },
            code="q",
        )
    return value


def query_words(query: str, *, left_out: bool = False) -> list[str]:
    """The words to look for, lower-cased, without `or`; with `left_out`, the words to
    leave out instead (written -word)."""
    words = []
    for token in query.split():
        if token.lower() == "or" or token.startswith("-") != left_out:
            continue
        words.extend(w.lower() for w in WORD_RE.findall(token))
    return list(dict.fromkeys(words))


def _postgres(queryset) -> bool:
    return connections[queryset.db].vendor == "postgresql"


def annotation_matches(queryset, query: str):
    """`queryset` (of annotations) narrowed to those whose words match `query`."""
    if not query:
        return queryset
    if _postgres(queryset):
        matching = Q()
        for config in CONFIGS:
            words = SearchQuery(query, config=config, search_type="websearch")
            matching |= Q(config=config, document=words)
        documents = SearchDocument.objects.filter(matching).values("annotation_id")
        return queryset.filter(pk__in=documents)
    words, left_out = query_words(query), query_words(query, left_out=True)
    if not words and not left_out:  # only punctuation: nothing to find, as on PostgreSQL
        return queryset.none()
    for word in words:
        queryset = queryset.filter(_annotation_holds(word))
    for word in left_out:
        queryset = queryset.exclude(_annotation_holds(word))
    return queryset


def _annotation_holds(word: str) -> Q:
    comments = Comment.objects.filter(
        annotation=OuterRef("pk"), deleted_at__isnull=True, body__icontains=word
    )
    reasons = Review.objects.filter(annotation=OuterRef("pk"), comment__icontains=word)
    return (
        Q(quote__icontains=word)
        | Q(note__icontains=word)
        | Q(settled_reason__icontains=word)
        | Exists(comments)
        | Exists(reasons)
    )


def article_matches(queryset, query: str):
    """`queryset` (of articles) narrowed to those whose title or text match `query`."""
    if not query:
        return queryset
    if _postgres(queryset):
        # One condition the index answers alone, with the query in every configuration
        # (an article's words are in its own). A word can then match an article in
        # another language by that language's stem: rare, and its snippet shows why.
        either = " || ".join(f"websearch_to_tsquery('{c}'::regconfig, %s)" for c in CONFIGS)
        # The SQL is ours (constants); the words go as parameters.
        condition = RawSQL(  # noqa: S611
            f"{ARTICLE_VECTOR} @@ ({either})", [query] * len(CONFIGS), output_field=BooleanField()
        )
        return queryset.filter(condition)
    words, left_out = query_words(query), query_words(query, left_out=True)
    if not words and not left_out:
        return queryset.none()
    for word in words:
        queryset = queryset.filter(Q(title__icontains=word) | Q(text__icontains=word))
    for word in left_out:
        queryset = queryset.exclude(Q(title__icontains=word) | Q(text__icontains=word))
    return queryset


# Marking the matches ------------------------------------------------------------------


def _pattern(words: list[str]) -> re.Pattern | None:
    if not words:
        return None
    # Stemming finds other forms of a word: mark words that share its first letters
    # ("arrests" marks "arrested"), but never fewer than four letters of it.
    stems = sorted({w if len(w) <= 4 else w[: max(4, len(w) - 2)] for w in words}, key=len)
    alternatives = "|".join(re.escape(s) for s in reversed(stems))
    return re.compile(rf"(?<!\w)(?:{alternatives})\w*", re.IGNORECASE)


def highlight(text: str, words: list[str], pattern: re.Pattern | None = None) -> SafeString:
    """`text` as HTML with the matching words in <mark>: every piece escaped first."""
    pattern = pattern or _pattern(words)
    if pattern is None:
        return mark_safe(html.escape(text))  # noqa: S308 - escaped just now
    out, at = [], 0
    for match in pattern.finditer(text):
        out.append(html.escape(text[at : match.start()]))
        out.append(f"<mark>{html.escape(match.group())}</mark>")
        at = match.end()
    out.append(html.escape(text[at:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece escaped above


def snippet(text: str, words: list[str], pattern: re.Pattern | None = None) -> SafeString | None:
    """The stretch of `text` around its first match, marked; None when no word is seen
    (stemming can match what the marks cannot find)."""
    pattern = pattern or _pattern(words)
    match = pattern.search(text) if pattern else None
    if match is None:
        return None
    start = max(0, match.start() - SNIPPET)
    end = min(len(text), match.end() + SNIPPET)
    piece = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
    return highlight(piece, words, pattern)


# The results page ---------------------------------------------------------------------


@dataclass
class Part:
    """A comment or a verdict of an annotation that holds the words."""

    kind: str  # "comment" | "verdict"
    who: str
    html: SafeString
    comment_id: int | None = None
    verdict: str = ""


@dataclass
class Hit:
    annotation: Annotation
    quote_html: SafeString
    note_html: SafeString | None
    parts: list[Part] = field(default_factory=list)


@dataclass
class ArticleHit:
    article: Article
    title_html: SafeString
    text_html: SafeString | None


@dataclass
class Group:
    article: Article
    hits: list[Hit]


@dataclass
class Results:
    query: str
    words: list[str]
    articles: list[ArticleHit]
    groups: list[Group]
    page: int
    has_next: bool
    configs: list[str]

    @property
    def count_on_page(self) -> int:
        return sum(len(g.hits) for g in self.groups)


SEARCH_FILTERS = ("tag", "author", "status", "article")


def search_results(user, params, *, page: int = 1) -> Results:
    """What the search page shows for `params` (q and the filters tag, author, status,
    article): articles whose title or text match (the first ARTICLE_RESULTS, on the
    first page), and a page of SEARCH_PAGE matching annotations in article order, grouped
    by article, with the comments and verdicts that hold the words. A constant number of
    queries. Raises ValidationError naming a bad filter or query."""
    query = clean_query(params.get("q", ""))
    words = query_words(query)
    pattern = _pattern(words)
    page = max(1, page)
    wanted = {name: params[name] for name in SEARCH_FILTERS if params.get(name)}
    annotations = filters.filtered_or_error(
        Annotation.objects.live(), wanted, user=user, filterset_class=filters.ExportFilter
    )
    found = (
        list(
            annotation_matches(annotations, query)
            .with_status()
            .select_related("article", "author", "tag")
            .defer("article__text")
            .order_by("article_id", "start", "id")[
                (page - 1) * SEARCH_PAGE : page * SEARCH_PAGE + 1
            ]
        )
        if query
        else []
    )
    has_next = len(found) > SEARCH_PAGE
    found = found[:SEARCH_PAGE]
    parts = _parts(found, words, pattern)
    groups: list[Group] = []
    for annotation in found:
        hit = Hit(
            annotation=annotation,
            quote_html=highlight(annotation.quote, words, pattern),
            note_html=snippet(annotation.note, words, pattern) if annotation.note else None,
            parts=parts.get(annotation.pk, []),
        )
        if groups and groups[-1].article.pk == annotation.article_id:
            groups[-1].hits.append(hit)
        else:
            groups.append(Group(article=annotation.article, hits=[hit]))
    articles = []
    if query and page == 1 and not set(wanted) - {"article"}:
        matching = Article.objects.all()
        if "article" in wanted:
            matching = matching.filter(slug=wanted["article"])
        for article in _index_only(article_matches(matching, query).order_by("-created")):
            articles.append(
                ArticleHit(
                    article=article,
                    title_html=highlight(article.title, words, pattern),
                    text_html=snippet(article.text, words, pattern),
                )
            )
    configs = sorted(
        {search_config(g.article.language) for g in groups}
        | {search_config(a.article.language) for a in articles}
    )
    return Results(
        query=query,
        words=words,
        articles=articles,
        groups=groups,
        page=page,
        has_next=has_next,
        configs=configs,
    )


def _index_only(articles) -> list[Article]:
    """The first ARTICLE_RESULTS of `articles`, read through the index on PostgreSQL.

    Its planner prices computing an article's words (to_tsvector over up to 500,000
    characters) as cheaply as reading a row, so with few articles it scans them all and
    computes each one (335 ms for 100 articles of 20,000 characters, bench/search.py)
    where the index answers in 0.1 ms: for this one query, scanning is switched off.
    """
    articles = articles[:ARTICLE_RESULTS]
    if not _postgres(articles):
        return list(articles)
    with connections[articles.db].cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            return list(articles)
        finally:
            cursor.execute("RESET enable_seqscan")


def _parts(found: list[Annotation], words, pattern, limit: int = 3) -> dict[int, list[Part]]:
    """The comments and verdict reasons of `found` that show a word, in two queries."""
    ids = [a.pk for a in found]
    if not ids or pattern is None:
        return {}
    parts: dict[int, list[Part]] = {}
    comments = (
        Comment.objects.filter(annotation_id__in=ids, deleted_at__isnull=True)
        .select_related("author")
        .order_by("created", "id")
    )
    for comment in comments:
        text = snippet(comment.body, words, pattern)
        if text is not None and len(parts.setdefault(comment.annotation_id, [])) < limit:
            parts[comment.annotation_id].append(
                Part("comment", comment.author.username, text, comment_id=comment.pk)
            )
    reviews = (
        Review.objects.filter(annotation_id__in=ids)
        .exclude(comment="")
        .select_related("reviewer")
        .order_by("created", "id")
    )
    for review in reviews:
        text = snippet(review.comment, words, pattern)
        if text is not None and len(parts.setdefault(review.annotation_id, [])) < limit:
            parts[review.annotation_id].append(
                Part(
                    "verdict",
                    review.reviewer.username,
                    text,
                    verdict=review.get_verdict_display(),
                )
            )
    return parts
