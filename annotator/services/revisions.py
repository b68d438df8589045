"""Article revisions: change an article's title and text and carry every annotation
across, in one transaction with the history of both.

The article lives in `articles`, which never imports this app, so the service that
revises it lives here, beside the annotations it moves; the pages, the API and the admin
all call `article_revise`. How each anchor is carried is annotator.anchoring.
"""

import functools
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from annotator import anchoring, events
from annotator.models import CONTEXT_LENGTH, Annotation, Preference
from annotator.services import bulk_history
from annotator.services.notifications import notify
from annotator.services.reviews import reviews_follow_claim
from annotator.services.rules import clean_reason
from annotator.services.search_index import search_index_refresh
from articles import services as article_services
from articles.models import Article

EXACT, MOVED, ORPHANED = (
    Annotation.Anchor.EXACT,
    Annotation.Anchor.MOVED,
    Annotation.Anchor.ORPHANED,
)
# What a revision may change on an annotation (bulk_history.update_with_history).
CARRIED_FIELDS = [
    "start", "end", "quote", "prefix", "suffix", "anchor", "anchor_revision", "version",
    "claim_version", "modified",
]  # fmt: skip
BATCH = 500


class StaleArticle(ValidationError):
    """A revision was based on an article version that is no longer current."""

    def __init__(self, article: Article):
        self.current = article
        who = article.history.select_related("history_user").first()
        name = getattr(getattr(who, "history_user", None), "username", None) or _("someone")
        super().__init__(
            _(
                "This article was changed by %(name)s meanwhile (now revision %(version)s). "
                "Reload it and make your change again."
            )
            % {"name": name, "version": article.version},
            code="stale",
        )


@dataclass
class Carried:
    """One annotation across a revision: where it was, where it lands, and how."""

    annotation: Annotation
    start: int
    end: int
    quote: str
    anchor: str
    score: float = 1.0
    before: tuple = ()  # (start, end, quote, anchor) before the revision

    @property
    def old_quote(self) -> str:
        return self.before[2] if self.before else self.quote


@dataclass
class RevisionPlan:
    """What a revision does: the new title and text, and each live annotation carried."""

    article: Article
    title: str
    text: str
    reason: str
    text_changed: bool
    carried: list[Carried] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = Counter(c.anchor for c in self.carried)
        return {kind: counts.get(kind, 0) for kind in (EXACT, MOVED, ORPHANED)}

    @property
    def flagged(self) -> list[Carried]:
        """Annotations that will need checking: moved with the text, then orphaned."""
        order = {MOVED: 0, ORPHANED: 1}
        return sorted(
            (c for c in self.carried if c.anchor != EXACT),
            key=lambda c: (order[c.anchor], c.before[0] if c.before else c.start),
        )

    @property
    def newly_flagged(self) -> list[Carried]:
        return [c for c in self.flagged if not c.before or c.before[3] != c.anchor]

    def summary(self) -> str:
        """The history's one-line account of the revision (at most 100 characters)."""
        if not self.text_changed:
            return "revised the title"
        counts = self.counts
        return f"revised: {counts[EXACT]} exact, {counts[MOVED]} moved, {counts[ORPHANED]} orphaned"


@functools.lru_cache(maxsize=8)
def text_change(old: str, new: str) -> anchoring.TextChange:
    """The diff of two texts, kept for the next few calls (an import places many
    annotations through the same one). A pure function of the two strings."""
    return anchoring.TextChange(old, new)


def _anchor_of(annotation) -> anchoring.Anchor:
    return anchoring.Anchor(
        annotation.start, annotation.end, annotation.quote, annotation.prefix, annotation.suffix
    )


def _place(annotation: Annotation, change, old_text: str, new_text: str) -> Carried:
    before = (annotation.start, annotation.end, annotation.quote, annotation.anchor)
    if annotation.anchor == ORPHANED:
        # Its offsets refer to an older text: only its words, with their context, can
        # bring it back (a revision that restores what an earlier one removed).
        found = anchoring.find_exact(new_text, _anchor_of(annotation))
        if found is None:
            return Carried(annotation, *before[:3], ORPHANED, 0.0, before)
        return Carried(annotation, found.start, found.end, found.quote, EXACT, 1.0, before)
    if change is None:  # the title alone changed
        return Carried(annotation, *before[:3], annotation.anchor, 1.0, before)
    placement = change.place(_anchor_of(annotation))
    anchor = placement.anchor
    if anchor == EXACT and annotation.anchor == MOVED:
        anchor = MOVED  # still waiting for its check
    return Carried(
        annotation, placement.start, placement.end, placement.quote, anchor, placement.score, before
    )


def _live_annotations(article: Article, *, lock: bool) -> list[Annotation]:
    annotations = Annotation.objects.for_article(article).order_by("start", "end", "id")
    if lock:
        annotations = annotations.select_for_update()
    return list(annotations)


def _checked_values(article: Article, title, text, reason) -> tuple[str, str, str]:
    title = article.title if title is None else article_services.clean_title(title)
    if text is None:
        text = article.text
    else:
        article_services.check_text(text)
    reason = clean_reason(reason, field="reason")
    if title == article.title and text == article.text:
        raise ValidationError(
            _(
                "The title and the text are the same as in the current revision; there is "
                "nothing to save."
            ),
            code="unchanged",
        )
    return title, text, reason


def _plan(article: Article, title: str, text: str, reason: str, *, lock: bool) -> RevisionPlan:
    plan = RevisionPlan(
        article=article, title=title, text=text, reason=reason, text_changed=text != article.text
    )
    change = text_change(article.text, text) if plan.text_changed else None
    plan.carried = [
        _place(a, change, article.text, text) for a in _live_annotations(article, lock=lock)
    ]
    return plan


def _check_permission(article: Article, actor) -> None:
    if not article.is_revisable_by(actor):
        raise PermissionDenied(
            _("Only the person who added this article, a curator or an admin can revise it.")
        )


def article_revision_preview(*, article: Article, actor, title=None, text=None, reason=""):
    """What `article_revise` would do with these values, without writing anything: the
    plan, with each annotation's outcome. Raises what article_revise raises."""
    _check_permission(article, actor)
    title, text, reason = _checked_values(article, title, text, reason)
    return _plan(article, title, text, reason, lock=False)


@transaction.atomic
def article_revise(
    *, article: Article, actor, title=None, text=None, reason: str = "", version=None
) -> RevisionPlan:
    """Change the title and/or the text of `article` and carry every live annotation
    across: exact where its words are untouched, "moved" (with its new quote) where they
    changed a little, "orphaned" (old offsets and quote kept) where they are gone. A
    moved annotation's claim version goes up, so verdicts on its old words stop counting;
    an exact one keeps its verdicts (same words, other offsets).

    Preconditions: `actor` may revise it (Article.is_revisable_by: its creator, a
    curator or an admin), else PermissionDenied; `version`, when given, is the current
    article version, else StaleArticle. The text is not blank and at most
    TEXT_MAX_LENGTH; something changes. One transaction: the article's revision, one
    history row per annotation that changed, and a notification to each author whose
    annotations now need checking.
    """
    current = Article.objects.select_for_update().get(pk=article.pk)
    _check_permission(current, actor)
    if version is not None and int(version) != current.version:
        raise StaleArticle(current)
    title, text, reason = _checked_values(current, title, text, reason)
    plan = _plan(current, title, text, reason, lock=True)
    now = timezone.now()
    old_version = current.version
    current.title, current.text = title, text
    current.version = old_version + 1
    current.revised_at = now
    current.revision_reason = reason
    # The article's revision and the rows of the annotations it carried share one
    # moment, so "the annotations as they were before revision N" is exact.
    current._history_date = now
    current._history_user = actor
    current._change_reason = plan.summary()
    current.save()
    _save_carried(plan, actor, old_version, current.version, now)
    _notify_authors(plan, actor, current)
    # One event for the whole revision: open readers reload the new text and anchors.
    plan.event = events.record(
        "article.changed",
        article_id=current.pk,
        actor=actor,
        payload={"reason": "revised", "version": current.version},
    )
    plan.article = current
    return plan


def _save_carried(plan: RevisionPlan, actor, old_version: int, new_version: int, now) -> None:
    """Write what changed for each carried annotation, and a history row for each.

    Most annotations only shift: words and context untouched, offsets moved by the same
    amount as every other one in their stretch of identical text. Those are updated with
    one statement per amount; newly orphaned ones (offsets kept) with one statement; the
    few whose words or context changed (near the edits), with one statement sent for all
    of them (bulk_history.update_with_history). Then one history row per changed
    annotation is copied from the table (bulk_history.record_history): 2,000 annotations
    take a few statements, not a CASE expression per field and row.
    """
    reasons = {
        EXACT: f"carried across article revision {new_version}",
        MOVED: f"moved with article revision {new_version}",
        ORPHANED: f"orphaned by article revision {new_version}",
    }
    shifts: dict[int, list[int]] = {}  # offset delta -> ids
    orphaned: list[int] = []
    rewritten: list[Annotation] = []
    claims_moved: list[tuple[Annotation, int]] = []
    by_reason: dict[str, list[int]] = {}
    for carried in plan.carried:
        annotation = carried.annotation
        if carried.anchor == ORPHANED:
            prefix, suffix = annotation.prefix, annotation.suffix
            anchor_revision = annotation.anchor_revision or old_version
        else:
            prefix = plan.text[max(0, carried.start - CONTEXT_LENGTH) : carried.start]
            suffix = plan.text[carried.end : carried.end + CONTEXT_LENGTH]
            anchor_revision = None
        new = (carried.start, carried.end, carried.quote, prefix, suffix, carried.anchor,
               anchor_revision)  # fmt: skip
        old = (annotation.start, annotation.end, annotation.quote, annotation.prefix,
               annotation.suffix, annotation.anchor, annotation.anchor_revision)  # fmt: skip
        if new == old:
            continue
        delta = carried.start - annotation.start
        if new[2:] == old[2:] and carried.end - annotation.end == delta:
            shifts.setdefault(delta, []).append(annotation.pk)
            by_reason.setdefault(reasons[carried.anchor], []).append(annotation.pk)
        elif new[:5] == old[:5] and carried.anchor == ORPHANED:
            orphaned.append(annotation.pk)
            by_reason.setdefault(reasons[carried.anchor], []).append(annotation.pk)
        else:
            annotation._change_reason = reasons[carried.anchor]
            (annotation.start, annotation.end, annotation.quote, annotation.prefix,
             annotation.suffix, annotation.anchor, annotation.anchor_revision) = new  # fmt: skip
            if (new[2], new[5], new[6]) != (old[2], old[5], old[6]):
                # Its words or its anchor changed: a new version (a stale ETag is refused).
                # Offsets shifted with untouched words are not: edits of the tag and note
                # based on the previous version still apply, and a span selected again is
                # checked by its quote (annotation_update requires one).
                annotation.version += 1
                annotation.modified = now
            if new[2] != old[2]:
                # Its words changed: a new claim, so verdicts and a settlement given on
                # the old words stop counting (issue 12's claim versions).
                claims_moved.append((annotation, annotation.claim_version))
                annotation.claim_version += 1
            rewritten.append(annotation)
    for delta, ids in shifts.items():
        for at in range(0, len(ids), BATCH):
            Annotation.objects.filter(pk__in=ids[at : at + BATCH]).update(
                start=F("start") + delta, end=F("end") + delta
            )
    for at in range(0, len(orphaned), BATCH):
        Annotation.objects.filter(pk__in=orphaned[at : at + BATCH]).update(
            anchor=ORPHANED, anchor_revision=old_version, version=F("version") + 1, modified=now
        )
    # The few whose words or context changed: their own values, and their history rows.
    bulk_history.update_with_history(Annotation, rewritten, CARRIED_FIELDS, user=actor, date=now)
    # Search finds an annotation by its words; the shifted and orphaned keep theirs.
    search_index_refresh(annotation_ids=[a.pk for a, _ in claims_moved])
    for annotation, old_claim in claims_moved:
        # What services.annotations._save_claim does after a claim moves, for rows saved
        # above: verdicts on the old claim no longer count (a changed span adopts no
        # proposal, so this records nothing today, but the rule stays in one place).
        reviews_follow_claim(
            annotation=annotation, actor=actor, old_version=old_claim, span_changed=True
        )
    for reason, ids in by_reason.items():
        bulk_history.record_history(Annotation, ids, user=actor, reason=reason, date=now)


def _notify_authors(plan: RevisionPlan, actor, article: Article) -> None:
    by_author: dict[int, Counter] = {}
    for carried in plan.newly_flagged:
        by_author.setdefault(carried.annotation.author_id, Counter())[carried.anchor] += 1
    # A notification is kept as text: written in its reader's language (their
    # preference, else the site's), not the reviser's.
    languages = dict(
        Preference.objects.filter(user_id__in=by_author, language__gt="").values_list(
            "user_id", "language"
        )
    )
    for author_id, counts in by_author.items():
        with translation.override(languages.get(author_id) or settings.LANGUAGE_CODE):
            text = _anchors_sentence(actor, article, counts)
        notify(user_id=author_id, kind="anchors", article=article, text=text)


def _anchors_sentence(actor, article: Article, counts: Counter) -> str:
    parts = []
    if counts[MOVED]:
        parts.append(
            ngettext(
                "%(count)s moved with the text", "%(count)s moved with the text", counts[MOVED]
            )
            % {"count": counts[MOVED]}
        )
    if counts[ORPHANED]:
        parts.append(
            ngettext(
                "%(count)s orphaned: the words are gone",
                "%(count)s orphaned: the words are gone",
                counts[ORPHANED],
            )
            % {"count": counts[ORPHANED]}
        )
    total = sum(counts.values())
    return ngettext(
        "%(name)s revised “%(title)s”: %(count)s of your annotations needs checking (%(parts)s).",
        "%(name)s revised “%(title)s”: %(count)s of your annotations need checking (%(parts)s).",
        total,
    ) % {
        "name": actor.get_username() if actor else _("someone"),
        "title": article.title,
        "count": total,
        "parts": _(" and ").join(parts),
    }


# Annotations made against an earlier revision ---------------------------------------------


def revision_text(article: Article, revision) -> str:
    """The text of `article` at revision `revision` (its version then), from history."""
    if isinstance(revision, bool) or not isinstance(revision, int) or revision < 1:
        raise ValidationError(
            {"revision": _("revision must be a whole number: an article revision.")},
            code="revision",
        )
    if revision == article.version:
        return article.text
    row = (
        Article.history.filter(id=article.pk, version=revision)
        .order_by("-history_id")
        .values_list("text", flat=True)
        .first()
    )
    if row is None:
        raise ValidationError(
            {"revision": _("Article “%(slug)s” has no revision %(revision)s (its current "
                           "revision is %(version)s).")
                         % {"slug": article.slug, "revision": revision,
                            "version": article.version}},
            code="revision",
        )  # fmt: skip
    return row


def carry_from(article: Article, old_text: str, start: int, end: int) -> Carried:
    """Where the span [start, end) of `old_text` (an earlier revision of the article)
    lands in the current text. The span has been checked against `old_text`."""
    prefix = old_text[max(0, start - CONTEXT_LENGTH) : start]
    suffix = old_text[end : end + CONTEXT_LENGTH]
    anchor = anchoring.Anchor(start, end, old_text[start:end], prefix, suffix)
    placement = text_change(old_text, article.text).place(anchor)
    return Carried(
        None, placement.start, placement.end, placement.quote, placement.anchor, placement.score
    )
