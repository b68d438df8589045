import functools

from annotator.models import Mention


def mentions(request) -> dict:
    """The signed-in person's unread mention count for the header, counted once and only
    when a template asks for it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @functools.cache
    def unread_mention_count() -> int:
        return Mention.objects.filter(user=user, is_read=False).count()

    return {"unread_mention_count": unread_mention_count}
