"""Reads for discussing and reviewing: the thread, the review queue, mentions and a
person's page."""

import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Prefetch

from annotator import markdown
from annotator.models import Annotation, Comment, Mention, Review, Tag
from annotator.selectors import history

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
class QueueItem:
    annotation: Annotation
    before: str
    after: str


@dataclass(frozen=True)
class MentionEntry:
    mention: Mention
    html: str


def annotations_with_status():
    """Live annotations with their status and the article, author and tag joined."""
    return Annotation.objects.live().with_status().select_related("article", "author", "tag")


def known_usernames(comments) -> set[str]:
    """The `@name`s in `comments` that are real people, in one query (none without any)."""
    candidates = {
        name for c in comments if not c.is_deleted for name in markdown.MENTION_RE.findall(c.body)
    }
    if not candidates:
        return set()
    users = get_user_model().objects.filter(username__in=candidates)
    return set(users.values_list("username", flat=True))


def thread_context(annotation: Annotation, user) -> dict:
    """The annotation's note, comments with one level of replies, and reviews, in a
    constant number of queries. `annotation` comes from annotations_with_status()."""
    comments = list(annotation.comments.select_related("author").order_by("created", "id"))
    reviews = list(annotation.reviews.select_related("reviewer", "proposed_tag"))
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
        "reviews": reviews,
        "my_review": next((r for r in reviews if r.reviewer_id == user.pk), None),
        "can_review": annotation.is_reviewable_by(user),
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


def queue_context(user, tab: str) -> dict:
    """The review queue: others' annotations `user` has not reviewed, oldest first (tab
    "unreviewed"), or the disputed ones with their disagreements (tab "disputed")."""
    unreviewed = (
        Annotation.objects.live()
        .exclude(author=user)
        .exclude(reviews__reviewer=user)
        .select_related("article", "author", "tag")
        .order_by("created", "id")
    )
    disputed = (
        Annotation.objects.live()
        .with_status()
        .with_comment_count()
        .filter_status(Annotation.Status.DISPUTED)
        .select_related("article", "author", "tag")
        .order_by("created", "id")
    )
    context = {
        "tab": tab,
        "remaining": unreviewed.count(),
        "disputed_count": disputed.count(),
        "tags": list(Tag.objects.all()),
    }
    if tab == "disputed":
        context["items"] = list(
            disputed.prefetch_related(
                Prefetch(
                    "reviews",
                    queryset=Review.objects.filter(verdict=Review.Verdict.DISAGREE)
                    .select_related("reviewer", "proposed_tag")
                    .order_by("created", "id"),
                    to_attr="disagreements",
                )
            )[:DISPUTED_PAGE_SIZE]
        )
    else:
        context["items"] = [
            QueueItem(a, *sentence_context(a.article.text, a.start, a.end))
            for a in unreviewed[:QUEUE_PAGE_SIZE]
        ]
    return context


def unread_count(user_id: int) -> int:
    """The number on the header's unread badge: the one source the page, the live stream
    and (later) notifications share."""
    return Mention.objects.filter(user_id=user_id, is_read=False).count()


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
