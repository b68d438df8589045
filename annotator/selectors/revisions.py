"""Reads about article revisions: the list of an article's revisions, the article and its
annotations as they were at revision N, the annotations to check after a revision, and
the reader's one-line notice. Each in a fixed number of queries."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Max
from django.http import Http404

from annotator import anchoring
from annotator.models import Annotation, Tag
from annotator.rendering import Span, render_text
from articles.models import Article


@dataclass(frozen=True)
class ArticleRevision:
    number: int  # the article version
    record: object  # the HistoricalArticle row

    @property
    def at(self):
        return self.record.history_date

    @property
    def user(self):
        return self.record.history_user

    @property
    def action(self) -> str:
        return article_action(self.record)

    @property
    def summary(self) -> str:
        reason = self.record.history_change_reason or ""
        return reason if reason.startswith("revised") else ""


def article_action(record) -> str:
    if record.history_type == "+":
        return "created"
    if (record.history_change_reason or "").startswith("revised"):
        return "revised"
    return "changed"


def article_revisions(article: Article) -> list[ArticleRevision]:
    """Every revision of `article`, newest first: one query (without the texts)."""
    rows = (
        Article.history.filter(id=article.pk)
        .select_related("history_user")
        .defer("text")
        .order_by("-version", "-history_id")
    )
    seen, result = set(), []
    for row in rows:
        if row.version not in seen:  # a version is one revision, even if saved twice
            seen.add(row.version)
            result.append(ArticleRevision(row.version, row))
    return result


def article_at(article: Article, revision) -> object:
    """The history row of `article` at revision `revision` (its title and text then);
    Http404 when there is no such revision."""
    try:
        number = int(revision)
    except (TypeError, ValueError):
        raise Http404("There is no such revision.") from None
    row = (
        Article.history.filter(id=article.pk, version=number)
        .select_related("history_user")
        .order_by("-history_id")
        .first()
    )
    if row is None:
        raise Http404(f"This article has no revision {number}.")
    return row


def _until(article: Article, number: int):
    """The moment revision `number` stopped being current (None: it is current)."""
    following = (
        Article.history.filter(id=article.pk, version__gt=number)
        .order_by("version", "history_id")
        .values_list("history_date", flat=True)
        .first()
    )
    return following


def annotations_at(article: Article, number: int) -> list:
    """The annotations of `article` as they were at the end of revision `number` (just
    before the next one), from their history: live, placed on that revision's text (not
    orphaned then). Two queries, plus one for tags and one for authors."""
    until = _until(article, number)
    history = Annotation.history.filter(article_id=article.pk)
    if until is not None:
        history = history.filter(history_date__lt=until)
    latest = history.values("id").annotate(last=Max("history_id")).values("last")
    rows = list(
        Annotation.history.filter(history_id__in=latest)
        .exclude(history_type="-")
        .filter(deleted_at__isnull=True)
        .exclude(anchor=Annotation.Anchor.ORPHANED)
        .order_by("start", "end", "id")
    )
    tags = {tag.pk: tag for tag in Tag.objects.all()}
    authors = get_user_model().objects.in_bulk({row.author_id for row in rows})
    for row in rows:
        row.tag = tags[row.tag_id]
        row.author = authors[row.author_id]
    return rows


def reader_at_revision(article: Article, revision) -> dict:
    """The read-only reader at revision `revision`: that revision's title and text, with
    the annotations as they were then. Http404 for an unknown revision."""
    record = article_at(article, revision)
    annotations = [a for a in annotations_at(article, record.version) if a.end <= len(record.text)]
    tags = list(Tag.objects.all())
    revisions = article_revisions(article)
    numbers = [r.number for r in revisions]
    return {
        "article": article,
        "tags": tags,
        "record": record,
        "number": record.version,
        "is_current": record.version == article.version,
        "older": max((n for n in numbers if n < record.version), default=None),
        "newer": min((n for n in numbers if n > record.version), default=None),
        "revisions": revisions,
        "annotations": annotations,
        "tag_rows": tags,
        "text_html": render_text(
            record.text,
            [
                Span(a.id, a.start, a.end, a.tag.key)
                for a in sorted(annotations, key=lambda a: (a.start, a.end, a.id))
            ],
        ),
    }


# Anchors to check ------------------------------------------------------------------------


@dataclass(frozen=True)
class AnchorToCheck:
    annotation: Annotation
    before: str  # the quote before the revision that flagged it ("" if not known)
    pieces: list  # word-level diff of before -> the quote now (moved ones)
    can_resolve: bool
    can_delete: bool


def anchors_to_check(article: Article, user) -> list[AnchorToCheck]:
    """The live annotations of `article` whose anchor needs checking, the person's own
    first, then in text order, with the quote each had before it was flagged: three
    queries however many."""
    flagged = list(
        Annotation.objects.for_article(article)
        .exclude(anchor=Annotation.Anchor.EXACT)
        .select_related("author", "tag")
        .order_by("start", "end", "id")
    )
    before = _quotes_before_flagging([a.pk for a in flagged])
    items = []
    for a in flagged:
        old = before.get(a.pk, "")
        pieces = anchoring_pieces(old, a.quote) if a.anchor == "moved" and old else []
        items.append(
            AnchorToCheck(a, old, pieces, a.is_reanchorable_by(user), a.is_deletable_by(user))
        )
    items.sort(key=lambda item: item.annotation.author_id != user.pk)
    return items


def _quotes_before_flagging(ids: list[int]) -> dict[int, str]:
    """For each annotation, its quote in the last exact revision of its history."""
    if not ids:
        return {}
    rows = (
        Annotation.history.filter(id__in=ids, anchor=Annotation.Anchor.EXACT)
        .order_by("id", "-history_id")
        .values_list("id", "quote")
    )
    found = {}
    for pk, quote in rows:
        found.setdefault(pk, quote)
    return found


def anchoring_pieces(old: str, new: str) -> list[tuple[str, str]]:
    """A readable diff of two short texts as (operation, text) pairs, whole words."""
    return anchoring.word_diff(old, new)


@dataclass(frozen=True)
class Suggestion:
    start: int
    end: int
    quote: str
    before: str  # some text before it, for the person to recognise the place
    after: str
    similarity: int  # percent

    @property
    def is_exact(self) -> bool:
        return self.similarity == 100


def anchor_suggestions(annotation: Annotation, text: str, *, spans=None) -> list[Suggestion]:
    """Where an annotation's words might be in `text`: its best fuzzy matches (anchoring
    .suggest), or the given `spans` [(start, end)]. Each with a little context."""
    if spans is None:
        anchor = anchoring.Anchor(
            annotation.start, annotation.end, annotation.quote, annotation.prefix,
            annotation.suffix,
        )  # fmt: skip
        found = [(p.start, p.end, p.similarity) for p in anchoring.suggest(text, anchor)]
    else:
        found = [(s, e, anchoring.similarity(annotation.quote, text[s:e])) for s, e in spans]
    return [
        Suggestion(
            start,
            end,
            text[start:end],
            _context_before(text, start),
            _context_after(text, end),
            round(similarity * 100),
        )
        for start, end, similarity in found
    ]


def _context_before(text: str, start: int, size: int = 70) -> str:
    piece = text[max(0, start - size) : start].split("\n")[-1]
    return ("…" if start - len(piece) > 0 and len(piece) == size else "") + piece


def _context_after(text: str, end: int, size: int = 70) -> str:
    piece = text[end : end + size].split("\n")[0]
    return piece + ("…" if len(piece) == size else "")
