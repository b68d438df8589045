import functools

from annotator import models
from annotator.selectors.discussion import unread_count
from articles.models import TEXT_MAX_LENGTH


def mentions(request) -> dict:
    """The signed-in person's unread mention count for the header, counted once and only
    when a template asks for it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @functools.cache
    def unread_mention_count() -> int:
        return unread_count(user.pk)

    return {"unread_mention_count": unread_mention_count}


LIMITS = {
    "note": models.NOTE_MAX_LENGTH,
    "comment": models.COMMENT_MAX_LENGTH,
    "reason": models.REASON_MAX_LENGTH,
    "text": TEXT_MAX_LENGTH,
}


def limits(request) -> dict:
    """The limits the services enforce, for templates: `{{ limits.note }}`."""
    return {"limits": LIMITS}
