"""How far the annotators agree: reads the annotations of one article (or of all) as
plain data and hands them to `measures`, the pure computations; the page and the API
both call these.

Only live annotations count: each is one annotator's claim about a span. Verdicts and
settlements are about the review, not about how independently tagged spans agree.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from annotator.models import Annotation, Tag
from annotator.selectors.agreement import measures
from annotator.selectors.agreement.measures import NO_TAG, Agreement, Comparison, Figure, Span
from articles.models import Article

__all__ = [
    "NO_TAG",
    "Agreement",
    "ArticleRow",
    "Comparison",
    "ComparisonFilter",
    "Figure",
    "article_agreement",
    "comparison_page",
    "project_agreement",
]

DISAGREEMENTS_PAGE = 100
NONE_PARAM = "none"  # how "no tag" is written in a URL


@dataclass(frozen=True)
class ArticleRow:
    """One article's figures on the project page."""

    article: Article
    figures: Agreement


def _tag_keys() -> list[str]:
    return list(Tag.objects.values_list("key", flat=True))


def _spans(queryset) -> dict[int, list[Span]]:
    # Orphaned annotations (issue 13) keep offsets into an older text of the article:
    # they are not on the text the figures are computed over.
    queryset = queryset.exclude(anchor=Annotation.Anchor.ORPHANED)
    rows = queryset.values_list("article_id", "id", "author__username", "start", "end", "tag__key")
    spans: dict[int, list[Span]] = {}
    for article_id, *fields in rows.order_by("article_id", "start", "id"):
        spans.setdefault(article_id, []).append(Span(*fields))
    return spans


def article_agreement(article: Article) -> Agreement:
    """Every figure for `article`: two queries (tags, annotations)."""
    tags = _tag_keys()
    spans = _spans(Annotation.objects.for_article(article)).get(article.pk, [])
    return measures.article_agreement(article.text, spans, tags)


def project_agreement() -> tuple[Agreement, list[ArticleRow]]:
    """The pooled figures over every article with annotations, and each article's own:
    three queries, whatever the number of articles."""
    tags = _tag_keys()
    spans = _spans(Annotation.objects.live())
    articles = Article.objects.filter(pk__in=spans).order_by("-created")
    rows, texts = [], []
    for article in articles:
        texts.append((article.text, spans[article.pk]))
        rows.append(
            ArticleRow(article, measures.article_agreement(article.text, spans[article.pk], tags))
        )
    return measures.pooled_agreement(texts, tags), rows


# The lists behind the cells ------------------------------------------------------------------


@dataclass(frozen=True)
class ComparisonFilter:
    """Which comparisons a chart cell stands for. `a` and `b` are annotators: with both,
    the comparisons between the two (either way round); with `a` alone, those of a's
    annotations. `tag` is the annotation's tag, `other_tag` what the other annotator
    tagged there ("" for nothing). Only disagreements, unless `tag` and `other_tag` are
    the same (a cell on the diagonal: agreements)."""

    a: str = ""
    b: str = ""
    tag: str = ""
    other_tag: str | None = None

    @classmethod
    def from_params(cls, params, figures: Agreement) -> "ComparisonFilter":
        """Read the query string; an unknown name or tag is a ValidationError with a
        sentence."""
        names = set(figures.annotators)
        values = {}
        for key in ("a", "b"):
            value = params.get(key, "")
            if value and value not in names:
                raise ValidationError(
                    _("%(value)s has no annotations here; annotators: %(names)s.")
                    % {
                        "value": repr(value),
                        "names": ", ".join(figures.annotators) or _("none yet"),
                    },
                    code=key,
                )
            values[key] = value
        for key in ("tag", "other_tag"):
            value = params.get(key)
            if value is None or value == "":
                values[key] = "" if key == "tag" else None
                continue
            if key == "other_tag" and value == NONE_PARAM:
                values[key] = NO_TAG
                continue
            if value not in figures.tags:
                allowed = ", ".join(figures.tags) + (
                    " " + _("or %(none)s") % {"none": NONE_PARAM} if key == "other_tag" else ""
                )
                raise ValidationError(
                    _("%(key)s must be one of %(allowed)s, not %(value)s.")
                    % {"key": key, "allowed": allowed, "value": repr(value)},
                    code=key,
                )
            values[key] = value
        if values["b"] and not values["a"]:
            values["a"], values["b"] = values["b"], ""
        return cls(**values)

    @property
    def wants_agreements(self) -> bool:
        return bool(self.tag) and self.other_tag == self.tag

    def matches(self, c: Comparison) -> bool:
        if c.agrees != self.wants_agreements:
            return False
        if self.a and self.b:
            if {c.span.annotator, c.other} != {self.a, self.b}:
                return False
        elif self.a and c.span.annotator != self.a:
            return False
        if self.tag and c.span.tag != self.tag:
            return False
        return self.other_tag is None or c.other_tag == self.other_tag

    def query(self) -> dict[str, str]:
        query = {k: v for k, v in (("a", self.a), ("b", self.b), ("tag", self.tag)) if v}
        if self.other_tag is not None:
            query["other_tag"] = self.other_tag or NONE_PARAM
        return query


@dataclass(frozen=True)
class ComparisonItem:
    comparison: Comparison
    annotation: dict  # id, quote, article slug and title
    match: dict | None
    tag: Tag
    match_tag: Tag | None


def comparison_page(
    figures: Agreement, wanted: ComparisonFilter, tags: dict[str, Tag], *, offset: int = 0
):
    """The comparisons `wanted` selects, DISAGREEMENTS_PAGE from `offset`, with the quotes
    and articles of the annotations involved (one query), and how many there are.
    `tags` maps keys to tags."""
    found = [c for c in figures.comparisons if wanted.matches(c)]
    if wanted.a and wanted.b:
        # Between two people a disagreement seen from either side is one: list it once.
        seen = set()
        found = [c for c in found if not (c.pair_key in seen or seen.add(c.pair_key))]
    page = found[offset : offset + DISAGREEMENTS_PAGE]
    ids = {c.span.id for c in page} | {c.match.id for c in page if c.match}
    rows = {
        row["id"]: row
        for row in Annotation.objects.filter(pk__in=ids).values(
            "id", "quote", "article__slug", "article__title"
        )
    }
    items = [
        ComparisonItem(
            c,
            rows[c.span.id],
            rows.get(c.match.id) if c.match else None,
            tags[c.span.tag],
            tags[c.match.tag] if c.match else None,
        )
        for c in page
    ]
    return items, len(found)
