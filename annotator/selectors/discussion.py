"""Reads for discussing and reviewing: the thread, the review queue, mentions and a
person's page."""

import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import F, Prefetch
from django.db.models.functions import Lower

from annotator import markdown
from annotator.models import (
    Annotation,
    Comment,
    Mention,
    Notification,
    Review,
    Tag,
    is_curator,
)
from annotator.selectors import history
from annotator.services.reviews import PROPOSAL_ADOPTED
from articles.models import Article

QUEUE_PAGE_SIZE = 20
DISPUTED_PAGE_SIZE = 50
MENTIONS_PAGE_SIZE = 100
CONTEXT_LIMIT = 240
THREAD_HISTORY = 30  # revisions shown in the panel; the history page has them all


@dataclass
class CommentEntry:
    comment: Comment
    html: str
    can_edit: bool
    can_restore: bool
    replies: list["CommentEntry"] = field(default_factory=list)


@dataclass(frozen=True)
class ClaimChange:
    """How an annotation changed since someone's verdict on it."""

    review: Review  # the verdict, on version `review.claim_version`
    old_tag: Tag | None
    old_quote: str
    new_tag: Tag
    new_quote: str

    @property
    def tag_changed(self) -> bool:
        return self.old_tag is not None and self.old_tag.pk != self.new_tag.pk

    @property
    def span_changed(self) -> bool:
        return self.old_quote != self.new_quote


@dataclass(frozen=True)
class QueueItem:
    annotation: Annotation
    before: str
    after: str
    change: ClaimChange | None = None


@dataclass(frozen=True)
class MentionEntry:
    mention: Mention
    html: str


def annotations_with_status():
    """Live annotations with their status and the article, author, tag and settlement
    joined."""
    return (
        Annotation.objects.live()
        .with_status()
        .select_related("article", "author", "tag", "settled_tag", "settled_by")
    )


def known_usernames(comments) -> set[str]:
    """The `@name`s in `comments` that are real people, as their user names (whatever
    the case they were written in), in one query (none without any)."""
    candidates = {
        name.lower()
        for c in comments
        if not c.is_deleted
        for name in markdown.MENTION_RE.findall(c.body)
    }
    if not candidates:
        return set()
    users = (
        get_user_model()
        .objects.annotate(lower_name=Lower("username"))
        .filter(lower_name__in=sorted(candidates))
    )
    return set(users.values_list("username", flat=True))


def _mark_adopted(reviews: list[Review]) -> None:
    """Set `review.is_adopted` on agreements whose latest revision was the author
    adopting the reviewer's proposal (one query, none without agreements)."""
    agreements = {r.pk: r for r in reviews if r.verdict == Review.Verdict.AGREE}
    for review in reviews:
        review.is_adopted = False
    if not agreements:
        return
    latest = {}
    rows = Review.history.filter(id__in=agreements).order_by("history_id")
    for pk, reason in rows.values_list("id", "history_change_reason"):
        latest[pk] = reason
    for pk, review in agreements.items():
        review.is_adopted = latest.get(pk) == PROPOSAL_ADOPTED


def thread_context(annotation: Annotation, user) -> dict:
    """The annotation's note, comments with one level of replies, and reviews, in a
    constant number of queries. `annotation` comes from annotations_with_status()."""
    comments = list(annotation.comments.select_related("author").order_by("created", "id"))
    reviews = list(annotation.reviews.select_related("reviewer", "proposed_tag", "judged_tag"))
    current = [r for r in reviews if r.claim_version == annotation.claim_version]
    outdated = [r for r in reviews if r.claim_version != annotation.claim_version]
    _mark_adopted(current)
    known = known_usernames(comments)
    top, by_id = [], {}
    for comment in comments:
        entry = CommentEntry(
            comment=comment,
            html="" if comment.is_deleted else markdown.render(comment.body, known),
            can_edit=comment.is_editable_by(user),
            can_restore=comment.is_deleted and comment.is_restorable_by(user),
        )
        by_id[comment.pk] = entry
        parent = by_id.get(comment.parent_id)
        if parent is None:
            top.append(entry)
        else:
            parent.replies.append(entry)
    return {
        "annotation": annotation,
        "article": annotation.article,
        "comments": top,
        "comment_count": sum(1 for c in comments if not c.is_deleted),
        "reviews": current,
        "outdated_reviews": outdated,
        "my_review": next((r for r in reviews if r.reviewer_id == user.pk), None),
        "can_review": annotation.is_reviewable_by(user),
        "can_settle": annotation.is_settleable_by(user),
        "is_curator": is_curator(user),
        "is_own": annotation.author_id == user.pk,
        "tags": list(Tag.objects.all()),
        # The annotation's own timeline: its revisions, its comments' and verdicts'.
        "revisions": history.timeline(annotation=annotation, limit=THREAD_HISTORY)[0],
    }


_SENTENCE_START = re.compile(r"[.!?][\"'”’)\]]*\s+|\n")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*(?=\s|$)|\n")


def sentence_context(text: str, start: int, end: int, limit: int = CONTEXT_LIMIT):
    """The words before and after [start, end) up to the sentence edges (at most `limit`
    code points each side), with "…" where the sentence goes on."""
    window_start = max(0, start - limit)
    before = text[window_start:start]
    edges = list(_SENTENCE_START.finditer(before))
    if edges:
        before = before[edges[-1].end() :]
    elif window_start > 0:
        before = "…" + before.lstrip()
    after = text[end : end + limit]
    edge = _SENTENCE_END.search(after)
    if edge:
        after = after[: edge.end()].rstrip("\n")
    elif end + limit < len(text):
        after = after.rstrip() + "…"
    return before, after


def claim_changes(annotations, user) -> dict[int, ClaimChange]:
    """For those of `annotations` that changed since `user`'s verdict, what changed:
    the tag and the words judged then, from the annotation's history (two queries)."""
    changed = [a for a in annotations if getattr(a, "is_changed_since_my_verdict", False)]
    if not changed:
        return {}
    reviews = {
        r.annotation_id: r
        for r in Review.objects.filter(annotation__in=changed, reviewer_id=user.pk).select_related(
            "judged_tag", "proposed_tag"
        )
    }
    judged = {(a.pk, reviews[a.pk].claim_version) for a in changed if a.pk in reviews}
    quotes = {}
    rows = Annotation.history.filter(
        id__in=[pk for pk, _ in judged], claim_version__in={v for _, v in judged}
    ).order_by("history_id")
    for pk, version, quote in rows.values_list("id", "claim_version", "quote"):
        quotes[(pk, version)] = quote  # the latest revision of that version wins
    return {
        a.pk: ClaimChange(
            review=reviews[a.pk],
            old_tag=reviews[a.pk].judged_tag,
            old_quote=quotes.get((a.pk, reviews[a.pk].claim_version), a.quote),
            new_tag=a.tag,
            new_quote=a.quote,
        )
        for a in changed
        if a.pk in reviews
    }


def queue_context(user, tab: str) -> dict:
    """The review queue: others' annotations `user` has no verdict on (or whose claim
    changed since that verdict), not settled, oldest first (tab "unreviewed"); or the
    disputed ones with their current disagreements, oldest first (tab "disputed"),
    which a curator settles from there."""
    unreviewed = (
        Annotation.objects.needs_review_by(user)
        .select_related("article", "author", "tag")
        .defer("article__text")
        .order_by("created", "id")
    )
    disputed = (
        Annotation.objects.live()
        .with_status()
        .with_verdict_counts()
        .with_comment_count()
        .filter_status(Annotation.Status.DISPUTED)
        .select_related("article", "author", "tag")
        .defer("article__text")
        .order_by("created", "id")
    )
    curator = is_curator(user)
    context = {
        "tab": tab,
        "remaining": unreviewed.count(),
        "disputed_count": disputed.count(),
        "tags": list(Tag.objects.all()),
        "is_curator": curator,
    }
    if tab == "disputed":
        items = list(
            disputed.prefetch_related(
                Prefetch(
                    "reviews",
                    queryset=Review.objects.filter(
                        verdict=Review.Verdict.DISAGREE,
                        claim_version=F("annotation__claim_version"),
                    )
                    .select_related("reviewer", "proposed_tag")
                    .order_by("created", "id"),
                    to_attr="disagreements",
                )
            )[:DISPUTED_PAGE_SIZE]
        )
        for a in items:
            a.can_settle = curator and a.is_settleable_by(user)
        context["items"] = items
    else:
        page = list(unreviewed[:QUEUE_PAGE_SIZE])
        texts = dict(
            Article.objects.filter(pk__in={a.article_id for a in page}).values_list("pk", "text")
        )
        changes = claim_changes(page, user)
        context["items"] = [
            QueueItem(a, *sentence_context(texts[a.article_id], a.start, a.end), changes.get(a.pk))
            for a in page
        ]
    return context


NAMES_SUGGESTED = 8
NAME_MAX_LENGTH = 150


def usernames_starting(prefix: str, *, limit: int = NAMES_SUGGESTED) -> list[str]:
    """Active people's user names that start with `prefix`, whatever its case: an exact
    match first, then alphabetically; none for an empty or unusable prefix."""
    if not prefix or len(prefix) > NAME_MAX_LENGTH or "\x00" in prefix:
        return []
    users = (
        get_user_model()
        .objects.filter(is_active=True, username__istartswith=prefix)
        .order_by(Lower("username"))
        .values_list("username", flat=True)
    )
    names = list(users[: limit + 1])
    exact = [n for n in names if n.lower() == prefix.lower()]
    rest = [n for n in names if n.lower() != prefix.lower()]
    return (exact + rest)[:limit]


def unread_count(user_id: int) -> int:
    """The number on the header's unread badge (the page, the live stream): unread
    notifications (mentions, replies, verdicts, settlements, anchors to check)."""
    return Notification.objects.filter(user_id=user_id, is_read=False).count()


def mention_entries(user) -> list[MentionEntry]:
    """`user`'s latest mentions, newest first, with the comment rendered."""
    mentions = (
        Mention.objects.filter(user=user)
        .select_related(
            "comment__author", "comment__annotation__article", "comment__annotation__tag"
        )
        .defer("comment__annotation__article__text")
        .order_by("-created", "-id")[:MENTIONS_PAGE_SIZE]
    )
    return [
        MentionEntry(m, "" if m.comment.is_deleted else markdown.render(m.comment.body))
        for m in mentions
    ]


def person_context(person) -> dict:
    """A person's latest annotations and their totals."""
    return {
        "person": person,
        "annotations": list(
            Annotation.objects.live()
            .filter(author=person)
            .with_status()
            .select_related("article", "tag")
            .defer("article__text")
            .order_by("-created", "-id")[:20]
        ),
        "annotation_total": Annotation.objects.live().filter(author=person).count(),
        "review_total": Review.objects.filter(reviewer=person).count(),
    }
