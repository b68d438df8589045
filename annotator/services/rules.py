"""The rules every write shares, each with the one sentence a person reads when it fails.

Forms and serializers check only types; these functions check values, so the pages,
the API, the admin and the commands refuse the same input with the same words. The
limits themselves are constants in annotator.models, which templates read through the
`limits` context processor.
"""

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from annotator.models import (
    COMMENT_MAX_LENGTH,
    IDEMPOTENCY_KEY_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    Tag,
)


def tag_by_key(key, field: str = "tag") -> Tag:
    """The tag whose key is `key`; `field` names the input that held it, so an error is
    reported under that name."""
    check_tag_key(key, field)
    try:
        return Tag.objects.get(key=key)
    except Tag.DoesNotExist:
        raise unknown_tag(key, field) from None


def check_tag_key(key, field: str = "tag") -> None:
    """`key` is a tag key's type (text, not empty); whether such a tag exists is the
    caller's question (tag_by_key, or a write that reads the tag in its own statement)."""
    if not isinstance(key, str) or not key:
        raise ValidationError({field: _("Choose a tag: fact, opinion or speculation.")}, code="tag")


def unknown_tag(key: str, field: str = "tag") -> ValidationError:
    return ValidationError({field: unknown_tag_message(key)}, code="tag")


def unknown_tag_message(key: str) -> str:
    known = ", ".join(Tag.objects.values_list("key", flat=True))
    return _("There is no tag called %(key)s. Use one of: %(known)s.") % {
        "key": repr(key),
        "known": known,
    }


def _limited_text(value, *, field: str, what: str, limit: int, code: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError({field: _("%(what)s must be text.") % {"what": what}}, code=code)
    value = value.strip()
    if len(value) > limit:
        raise ValidationError(
            {
                field: _("%(what)s has %(count)s characters; the limit is %(limit)s.")
                % {
                    "what": what,
                    "count": number_format(len(value), force_grouping=True),
                    "limit": number_format(limit, force_grouping=True),
                }
            },
            code=code,
        )
    return value


def clean_note(note) -> str:
    """An annotation's note, trimmed; at most NOTE_MAX_LENGTH characters."""
    return _limited_text(note, field="note", what=_("The note"), limit=NOTE_MAX_LENGTH, code="note")


def clean_reason(reason, field: str = "comment") -> str:
    """The reason given with a verdict, trimmed; at most REASON_MAX_LENGTH characters."""
    return _limited_text(
        reason, field=field, what=_("The reason"), limit=REASON_MAX_LENGTH, code="comment"
    )


def clean_body(body) -> str:
    """A comment's Markdown, trimmed; not empty, at most COMMENT_MAX_LENGTH characters."""
    if not isinstance(body, str) or not body.strip():
        raise ValidationError({"body": _("Write something before posting.")}, code="empty")
    return _limited_text(
        body, field="body", what=_("The comment"), limit=COMMENT_MAX_LENGTH, code="too_long"
    )


def check_span(text: str, start, end, quote=None) -> None:
    """Check that [start, end) is a non-empty span of `text` in code points and, when
    given, that `quote` is exactly the text there."""
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(
                {name: _("%(name)s must be a whole number.") % {"name": name}}, code="offsets"
            )
    if start < 0:
        raise ValidationError({"start": _("start cannot be negative.")}, code="offsets")
    if end > len(text):
        raise ValidationError(
            {
                "end": _("end (%(end)s) is past the end of the article (%(length)s characters).")
                % {"end": end, "length": len(text)}
            },
            code="offsets",
        )
    if start >= end:
        raise ValidationError(
            {
                "start": _(
                    "start (%(start)s) must be before end (%(end)s): select at least one character."
                )
                % {"start": start, "end": end}
            },
            code="offsets",
        )
    if quote is not None and quote != text[start:end]:
        raise ValidationError(
            {
                "quote": _(
                    "The quoted text does not match the article at these offsets; the "
                    "article may have changed. Reload the page and select again."
                )
            },
            code="quote_mismatch",
        )
    if not text[start:end].strip():
        raise ValidationError({"start": _("The selection holds only white space.")}, code="offsets")


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) without the white space at its ends, as the reader trims a
    selection (a span already checked by check_span, so something is left)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def check_idempotency_key(key) -> None:
    """An Idempotency-Key is 1-64 visible ASCII characters (a UUID fits), or absent."""
    if key is None:
        return
    if (
        not isinstance(key, str)
        or not 0 < len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH
        or not all("!" <= ch <= "~" for ch in key)
    ):
        raise ValidationError(
            _(
                "The Idempotency-Key must be 1 to %(limit)s visible ASCII characters, such "
                "as a UUID."
            )
            % {"limit": IDEMPOTENCY_KEY_MAX_LENGTH},
            code="idempotency_key",
        )


def message_of(error: ValidationError) -> str:
    """A ValidationError as one sentence for a page (field names left out)."""
    if hasattr(error, "error_dict"):
        return " ".join(str(m) for messages in error.message_dict.values() for m in messages)
    return " ".join(error.messages)
