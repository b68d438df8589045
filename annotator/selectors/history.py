"""Read the revision history of an article (its own revisions, and its annotations,
comments and reviews) as a timeline.

django-simple-history keeps a row for every save. This module turns those rows into
revisions people can read: who, when, what happened (created, changed, revised,
deleted, restored), a field-level diff against the revision before (word level for
text), and a display number in one sequence per article. It reads a page at a time
with a keyset cursor, in a fixed number of queries however long the history is.

Rows that only shifted an annotation exactly with an article revision (its words
untouched) are left out of the article's timeline: the revision's own line counts them,
and each annotation's history keeps them.
"""

import difflib
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import IntegerField, OuterRef, Q, Subquery, Value
from django.utils.translation import gettext as _

from annotator import anchoring
from annotator.models import Annotation, Comment, Review, Tag
from articles.models import Article

KINDS = {"article": Article, "annotation": Annotation, "comment": Comment, "review": Review}
# Among rows of the same instant, the newest-first timeline lists lower ranks first: an
# article revision comes after (below) the annotation rows it wrote at the same moment.
RANK = {"annotation": 0, "comment": 1, "review": 2, "article": 3}
ACTIONS = ["created", "changed", "revised", "deleted", "restored", "settled", "reopened"]
# Change reasons that name an action of their own (annotator.services.adjudication).
REASON_ACTIONS = {"settled": "settled", "reopened": "reopened"}
# The reason of an annotation's row written only because a revision shifted it exactly.
CARRIED_EXACTLY = "carried across article revision"

# Fields worth showing in a diff, with the label people read.
TRACKED = {
    "article": [("title", "title"), ("text", "text")],
    "annotation": [
        ("tag_id", "tag"),
        ("note", "note"),
        ("span", "span"),
        ("quote", "words"),
        ("anchor", "anchor"),
        ("settled_tag_id", "final tag"),
        ("settled_reason", "settlement reason"),
    ],
    "comment": [("body", "text")],
    "review": [
        ("verdict", "verdict"),
        ("proposed_tag_id", "proposed tag"),
        ("comment", "reason"),
        ("judged_tag_id", "tag judged"),
        ("claim_version", "version judged"),
    ],
}
TEXT_FIELDS = {"note", "body", "comment", "settled_reason", "quote", "title"}
LONG_TEXT_FIELDS = {"text"}
TAG_FIELDS = {"tag_id", "proposed_tag_id", "settled_tag_id", "judged_tag_id"}
# Not listed for a first revision: where it starts is no news.
NOT_ON_CREATION = {"span", "claim_version", "quote", "anchor", "text"}


@dataclass
class Change:
    field: str  # the name programs read (the API): tag, note, span, text, verdict, ...
    label: str
    before: str
    after: str
    # For text, the word-level diff as (operation, text) pairs: "equal", "delete", "insert".
    pieces: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Revision:
    kind: str
    record: object  # the historical row
    action: str
    changes: list[Change]
    # What the person looking may do from here: "undo" a delete, return "to" this
    # revision, bring a "comment" back, or "" (see mark_restorable).
    restore: str = ""
    # Its number in one sequence per article (all kinds, oldest first), for people;
    # `number` stays the history id the API and restore use. See number_revisions.
    display: int | None = None

    @property
    def at(self) -> datetime:
        return self.record.history_date

    @property
    def user(self):
        return self.record.history_user

    @property
    def object_id(self) -> int:
        return self.record.id

    @property
    def annotation_id(self) -> int | None:
        if self.kind == "article":
            return None
        return self.record.id if self.kind == "annotation" else self.record.annotation_id

    @property
    def quote(self) -> str:
        """The annotated words the revision is about (an article's: its title)."""
        if self.kind == "article":
            return self.record.title
        return self.record.quote if self.kind == "annotation" else self.record.annotation.quote

    @property
    def summary(self) -> str:
        """An article revision's account of what it did to annotations, in the reader's
        language ("" when it did nothing to them)."""
        if self.action != "revised":
            return ""
        counts = _COUNTS.fullmatch(self.record.history_change_reason or "")
        if counts is None:
            return ""
        exact, moved, orphaned = counts.groups()
        return _("%(exact)s exact, %(moved)s moved, %(orphaned)s orphaned") % {
            "exact": exact,
            "moved": moved,
            "orphaned": orphaned,
        }

    @property
    def reason(self) -> str:
        """Why this row was written, when that says more than its action, in the
        reader's language (the record keeps it in English)."""
        reason = self.record.history_change_reason or ""
        if not reason or reason in {self.action, "changed"}:
            return ""
        return reason_text(reason)

    @property
    def number(self) -> int:
        """The revision's number, as shown to people and accepted by restore."""
        return self.record.history_id

    @property
    def cursor(self) -> str:
        return f"{self.at.isoformat()}|{RANK[self.kind]}|{self.record.history_id}"


# Change reasons are part of the record, written in English by the services
# (annotator.services.revisions, .annotations, .reviews); pages show them in the
# reader's language. A reason not among these (an older one) is shown as it is.
_COUNTS = re.compile(r"revised: (\d+) exact, (\d+) moved, (\d+) orphaned")
_REASONS = [
    (re.compile(r"carried across article revision (\d+)"),
     lambda n: _("carried across article revision %(number)s") % {"number": n}),
    (re.compile(r"moved with article revision (\d+)"),
     lambda n: _("moved with article revision %(number)s") % {"number": n}),
    (re.compile(r"orphaned by article revision (\d+)"),
     lambda n: _("orphaned by article revision %(number)s") % {"number": n}),
    (re.compile(r"restored to revision (\d+)"),
     lambda n: _("restored to revision %(number)s") % {"number": n}),
    (re.compile(r"proposal adopted"), lambda: _("proposal adopted")),
]  # fmt: skip


def reason_text(reason: str) -> str:
    """A stored change reason in the reader's language."""
    for pattern, say in _REASONS:
        match = pattern.fullmatch(reason)
        if match:
            return say(*match.groups())
    return reason


def action_of(record) -> str:
    if record.history_type == "+":
        return "created"
    if record.history_type == "-":
        return "deleted"
    reason = record.history_change_reason or ""
    if reason == "deleted":
        return "deleted"
    if reason.startswith("restored"):
        return "restored"
    if reason.startswith("revised"):
        return "revised"
    return REASON_ACTIONS.get(reason, "changed")


def _action_filter(action: str) -> Q:
    changed = Q(history_type="~")
    if action == "created":
        return Q(history_type="+")
    if action == "deleted":
        return Q(history_type="-") | (changed & Q(history_change_reason="deleted"))
    if action == "restored":
        return changed & Q(history_change_reason__startswith="restored")
    if action == "revised":
        return changed & Q(history_change_reason__startswith="revised")
    if action in REASON_ACTIONS.values():
        reasons = [reason for reason, name in REASON_ACTIONS.items() if name == action]
        return changed & Q(history_change_reason__in=reasons)
    if action == "changed":
        named = list(REASON_ACTIONS)
        return (
            changed
            & ~Q(history_change_reason="deleted")
            & ~Q(history_change_reason__startswith="restored", history_change_reason__isnull=False)
            & ~Q(history_change_reason__in=named, history_change_reason__isnull=False)
            & ~Q(history_change_reason__startswith="revised", history_change_reason__isnull=False)
        )
    return Q()


def _cursor_filter(kind: str, cursor: str | None) -> Q:
    """Rows strictly after `cursor` in the timeline's order (newest first)."""
    if not cursor:
        return Q()
    try:
        at_text, rank_text, id_text = cursor.split("|")
        at, rank, history_id = datetime.fromisoformat(at_text), int(rank_text), int(id_text)
    except ValueError:
        return Q()
    # The timeline's order, newest first: date descending, then rank ascending, then
    # history id descending (see timeline). Rows of a higher rank at the same instant
    # come after the cursor; of a lower rank, before it.
    mine = RANK[kind]
    if mine > rank:
        return Q(history_date__lte=at)
    if mine == rank:
        return Q(history_date__lt=at) | Q(history_date=at, history_id__lt=history_id)
    return Q(history_date__lt=at)


def _scope(kind: str, article=None, annotation=None) -> Q | None:
    """The rows of `kind` in the timeline of `article` or of one `annotation` (None: no
    row of that kind belongs there)."""
    if kind == "article":
        return None if annotation is not None else Q(id=article.pk)
    if kind == "annotation":
        if annotation is not None:
            return Q(id=annotation.pk)
        not_folded = ~Q(history_change_reason__startswith=CARRIED_EXACTLY)
        return Q(article_id=article.pk) & not_folded
    if annotation is not None:
        return Q(annotation_id=annotation.pk)
    return Q(annotation__article_id=article.pk)


def _rows(kind: str, where: Q, limit: int) -> list:
    history = KINDS[kind].history
    previous = (
        history.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
        .order_by("-history_id")
        .values("history_id")[:1]
    )
    related = ["history_user"] + (["annotation"] if kind in ("comment", "review") else [])
    return list(
        history.filter(where)
        .select_related(*related)
        .annotate(previous_history_id=Subquery(previous))
        .order_by("-history_date", "-history_id")[:limit]
    )


def timeline(
    *,
    article=None,
    annotation=None,
    user=None,
    kind: str = "",
    action: str = "",
    since=None,
    until=None,
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[Revision], str | None]:
    """Revisions of one article's (or one annotation's) annotations, comments and
    reviews, newest first, at most `limit` of them, and the cursor of the next page.

    Filters: `user` (who made the revision), `kind` (article, annotation, comment,
    review), `action` (created, changed, revised, deleted, restored), `since`/`until`
    (datetimes). Runs two queries per kind plus one for tags, whatever the history holds.
    """
    rows = []
    for name in KINDS:
        scope = _scope(name, article, annotation)
        if (kind and kind != name) or scope is None:
            continue
        where = scope & _cursor_filter(name, cursor)
        if user is not None:
            where &= Q(history_user=user)
        if action:
            where &= _action_filter(action)
        if since:
            where &= Q(history_date__gte=since)
        if until:
            where &= Q(history_date__lt=until)
        rows += [(name, row) for row in _rows(name, where, limit + 1)]
    rows.sort(key=lambda item: (item[1].history_date, -RANK[item[0]], item[1].history_id))
    rows.reverse()
    page, more = rows[:limit], len(rows) > limit

    previous = _previous_rows(page)
    tags = {tag.pk: tag for tag in Tag.objects.all()}
    revisions = [
        Revision(
            name, row, action_of(row), diff(name, previous.get((name, row.history_id)), row, tags)
        )
        for name, row in page
    ]
    return revisions, (revisions[-1].cursor if more and revisions else None)


def _previous_rows(page) -> dict:
    wanted: dict[str, list[int]] = {}
    for name, row in page:
        if row.previous_history_id:
            wanted.setdefault(name, []).append(row.previous_history_id)
    found = {}
    by_id = {}
    for name, ids in wanted.items():
        for prev in KINDS[name].history.filter(history_id__in=ids):
            by_id[(name, prev.history_id)] = prev
    for name, row in page:
        if row.previous_history_id:
            found[(name, row.history_id)] = by_id.get((name, row.previous_history_id))
    return found


def _value(kind: str, name: str, record, tags) -> str:
    if record is None:
        return ""
    if name == "span":
        return f"{record.start}–{record.end}"
    if name == "anchor":
        return record.get_anchor_display() if record.anchor != "exact" else "exact"
    value = getattr(record, name)
    if name in TAG_FIELDS:
        return tags[value].key if value in tags else ("" if value is None else f"#{value}")
    return "" if value is None else str(value)


def diff(kind: str, before, after, tags) -> list[Change]:
    """What changed from `before` to `after` (historical rows); for a first revision,
    the values it was created with."""
    changes = []
    for name, label in TRACKED[kind]:
        old, new = _value(kind, name, before, tags), _value(kind, name, after, tags)
        if old == new or (name in NOT_ON_CREATION and before is None):
            continue
        change = Change(field=name.removesuffix("_id"), label=label, before=old, after=new)
        if name in TEXT_FIELDS and old and new:
            change.pieces = text_diff(old, new)
        if name in LONG_TEXT_FIELDS:
            change.pieces = condensed_diff(old, new)
        if name == "span" and before is not None:
            change.label = "span moved"
        changes.append(change)
    return changes


_TOKENS = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def text_diff(old: str, new: str) -> list[tuple[str, str]]:
    """A word-level diff of two texts as (operation, text) pairs."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    pieces = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("delete", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(("insert", "".join(b[j1:j2])))
    return pieces


# Characters of unchanged text kept on each side of a change in a long text's diff.
DIFF_CONTEXT = 90


def condensed_diff(old: str, new: str, context: int = DIFF_CONTEXT) -> list[tuple[str, str]]:
    """A readable diff of two long texts (an article's revisions) as (operation, text)
    pairs, where unchanged stretches longer than twice `context` keep only `context`
    characters (cut at a word) on each side of a change, with a ("gap", "…") between.
    diff-match-patch with semantic clean-up, changed words shown whole: milliseconds
    for an article."""
    pieces = anchoring.word_diff(old, new)
    result = []
    for index, (op, text) in enumerate(pieces):
        if op != "equal" or len(text) <= 2 * context:
            result.append((op, text))
            continue
        head = "" if index == 0 else _cut_after(text[:context])
        tail = "" if index == len(pieces) - 1 else _cut_before(text[-context:])
        if head:
            result.append(("equal", head))
        result.append(("gap", "…"))
        if tail:
            result.append(("equal", tail))
    return result


def _cut_after(text: str) -> str:
    """`text` up to its last white space (so the cut falls between words)."""
    cut = max(text.rfind(" "), text.rfind("\n"))
    return text[:cut] if cut > 0 else text


def _cut_before(text: str) -> str:
    cut = min((i for i in (text.find(" "), text.find("\n")) if i >= 0), default=-1)
    return text[cut + 1 :] if cut >= 0 else text


def number_revisions(article, revisions: list[Revision]) -> None:
    """Set `rev.display` on a page of `article`'s timeline: its place in one sequence of
    all the article's revisions (its own, its annotations', comments' and reviews', as
    the unfiltered timeline lists them), oldest first from 1. Two queries: one counts
    the rows before the page, one reads the keys of the rows the page spans."""
    if not revisions:
        return
    # Oldest first is the timeline's order reversed: date, then rank descending, then id.
    keys = sorted((r.at, -RANK[r.kind], r.record.history_id) for r in revisions)
    (first_at, first_rank, first_id), last_at = keys[0], keys[-1][0]
    first_cursor = f"{first_at.isoformat()}|{-first_rank}|{first_id}"

    def union(make):
        parts = [
            make(name, KINDS[name].history.filter(_scope(name, article)))
            .annotate(rank=Value(RANK[name], output_field=IntegerField()))
            .values_list("history_date", "rank", "history_id")
            .order_by()
            for name in KINDS
        ]
        return parts[0].union(*parts[1:], all=True)

    before = union(lambda name, rows: rows.filter(_cursor_filter(name, first_cursor))).count()
    spanned = sorted(
        (at, -rank, history_id)
        for at, rank, history_id in union(
            lambda name, rows: rows.filter(history_date__gte=first_at, history_date__lte=last_at)
        )
    )
    numbers = {}
    position = before
    for key in spanned:
        if key >= (first_at, first_rank, first_id):
            position += 1
            numbers[(-key[1], key[2])] = position
    for rev in revisions:
        rev.display = numbers.get((RANK[rev.kind], rev.record.history_id))


def mark_restorable(revisions: list[Revision], user) -> None:
    """Set `rev.restore` to what `user` may do from this revision: "undo" a delete,
    return the annotation "to" this revision, bring a "comment" back, or "" (nothing).

    Who may restore is the model's rule (is_restorable_by). Two queries, for the current
    annotations and comments on the page.
    """
    ids = {kind: {r.object_id for r in revisions if r.kind == kind} for kind in KINDS}
    current = {
        "annotation": Annotation.objects.in_bulk(ids["annotation"]),
        "comment": Comment.objects.in_bulk(ids["comment"]),
    }
    for rev in revisions:
        rev.restore = ""
        now = current.get(rev.kind, {}).get(rev.object_id)
        if now is None or not now.is_restorable_by(user):
            continue
        if rev.kind == "comment":
            rev.restore = "comment" if now.is_deleted and rev.action == "deleted" else ""
        elif rev.action == "deleted":
            rev.restore = "undo" if now.is_deleted and rev.record.version == now.version else ""
        elif rev.record.deleted_at is None and rev.record.version != now.version:
            rev.restore = "to"


def annotation_revisions(annotation: Annotation) -> list[Revision]:
    """Every revision of one annotation (not its comments or verdicts), newest first,
    each with what changed since the one before: two queries."""
    records = list(annotation.history.select_related("history_user").order_by("history_id"))
    tags = {tag.pk: tag for tag in Tag.objects.all()}
    revisions, previous = [], None
    for number, record in enumerate(records, start=1):
        changes = diff("annotation", previous, record, tags) if previous is not None else []
        revision = Revision("annotation", record, action_of(record), changes, display=number)
        revisions.append(revision)
        previous = record
    revisions.reverse()
    return revisions
