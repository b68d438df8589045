"""Read the revision history of annotations, comments and reviews as a timeline.

django-simple-history keeps a row for every save. This module turns those rows into
revisions people can read: who, when, what happened (created, changed, deleted,
restored) and a field-level diff against the revision before. It reads a page at a
time with a keyset cursor, in a fixed number of queries however long the history is.
"""

import difflib
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import OuterRef, Q, Subquery

from annotator.models import Annotation, Comment, Review, Tag

KINDS = {"annotation": Annotation, "comment": Comment, "review": Review}
RANK = {"annotation": 0, "comment": 1, "review": 2}
ACTIONS = ["created", "changed", "deleted", "restored", "settled", "reopened"]
# Change reasons that name an action of their own (annotator.services.adjudication).
REASON_ACTIONS = {"settled": "settled", "reopened": "reopened"}

# Fields worth showing in a diff, with the label people read.
TRACKED = {
    "annotation": [
        ("tag_id", "tag"),
        ("note", "note"),
        ("span", "span"),
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
TEXT_FIELDS = {"note", "body", "comment", "settled_reason"}
TAG_FIELDS = {"tag_id", "proposed_tag_id", "settled_tag_id", "judged_tag_id"}
# Not listed for a first revision: where it starts is no news.
NOT_ON_CREATION = {"span", "claim_version"}


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
    def annotation_id(self) -> int:
        return self.record.id if self.kind == "annotation" else self.record.annotation_id

    @property
    def quote(self) -> str:
        """The annotated words the revision is about."""
        return self.record.quote if self.kind == "annotation" else self.record.annotation.quote

    @property
    def number(self) -> int:
        """The revision's number, as shown to people and accepted by restore."""
        return self.record.history_id

    @property
    def cursor(self) -> str:
        return f"{self.at.isoformat()}|{RANK[self.kind]}|{self.record.history_id}"


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
    return REASON_ACTIONS.get(reason, "changed")


def _action_filter(action: str) -> Q:
    changed = Q(history_type="~")
    if action == "created":
        return Q(history_type="+")
    if action == "deleted":
        return Q(history_type="-") | (changed & Q(history_change_reason="deleted"))
    if action == "restored":
        return changed & Q(history_change_reason__startswith="restored")
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
    mine = RANK[kind]
    if mine < rank:
        return Q(history_date__lte=at)
    if mine == rank:
        return Q(history_date__lt=at) | Q(history_date=at, history_id__lt=history_id)
    return Q(history_date__lt=at)


def _scope(kind: str, article=None, annotation=None) -> Q:
    if kind == "annotation":
        if annotation is not None:
            return Q(id=annotation.pk)
        return Q(article_id=article.pk)
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
    related = ["history_user"] + (["annotation"] if kind != "annotation" else [])
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

    Filters: `user` (who made the revision), `kind` (annotation, comment, review),
    `action` (created, changed, deleted, restored), `since`/`until` (datetimes).
    Runs two queries per kind plus one for tags, whatever the history holds.
    """
    rows = []
    for name in KINDS:
        if kind and kind != name:
            continue
        where = _scope(name, article, annotation) & _cursor_filter(name, cursor)
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
    for record in records:
        changes = diff("annotation", previous, record, tags) if previous is not None else []
        revisions.append(Revision("annotation", record, action_of(record), changes))
        previous = record
    revisions.reverse()
    return revisions
