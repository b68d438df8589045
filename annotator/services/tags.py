"""Tags: an admin's new tag or a change to one, with the rule that its colour keeps the
highlighted text readable in both themes."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from annotator.models import Tag

# What the reader draws on a tag's colour (static/css/access.css): this ink in both
# themes, on the colour itself (light) or the colour mixed with HIGHLIGHT_DIM of black
# (dark, `color-mix(in srgb, colour, #000 12%)`).
HIGHLIGHT_INK = "#111827"
HIGHLIGHT_DIM = 0.12
# WCAG 2.x AA for body text.
AA_CONTRAST = 4.5

_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
TAG_FIELDS = ("key", "label", "description", "colour", "shortcut", "order")


def _channels(colour: str) -> tuple[float, float, float]:
    return tuple(int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))


def _luminance(rgb) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    """WCAG contrast ratio of two sRGB colours given as 0-1 channel triples."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def highlight_contrasts(colour: str) -> dict[str, float]:
    """The contrast of highlighted text on `colour` in each theme."""
    ink = _channels(HIGHLIGHT_INK)
    light = _channels(colour)
    dark = tuple(c * (1 - HIGHLIGHT_DIM) for c in light)
    return {"light": contrast(ink, light), "dark": contrast(ink, dark)}


def tag_colour_check(colour) -> str:
    """`colour` as #rrggbb (lower case), or a ValidationError saying why it cannot be a
    tag's colour: not a hex colour, or text on it would fall below WCAG AA (4.5:1) in the
    light or the dark theme."""
    if not isinstance(colour, str) or not _HEX.match(colour.strip()):
        raise ValidationError(
            {"colour": _("Give the colour as # and six hex digits, e.g. #fde68a.")}, code="colour"
        )
    colour = colour.strip().lower()
    ratios = highlight_contrasts(colour)
    worst = min(ratios, key=ratios.get)
    if ratios[worst] < AA_CONTRAST:
        raise ValidationError(
            {
                "colour": _(
                    "Text on %(colour)s would be hard to read: its contrast is %(ratio)s:1 in "
                    "the %(theme)s theme, and at least %(needed)s:1 is needed (WCAG AA). "
                    "Choose a lighter colour, such as a pastel."
                )
                % {
                    "colour": colour,
                    "ratio": number_format(ratios[worst], decimal_pos=1),
                    "theme": {"light": _("light"), "dark": _("dark")}.get(worst, worst),
                    "needed": number_format(AA_CONTRAST),
                }
            },
            code="colour",
        )
    return colour


@transaction.atomic
def tag_save(*, tag: Tag, actor) -> Tag:
    """Create `tag` (no pk yet) or save the changes made to it, after checking its
    colour. Preconditions: `actor` is an admin (the admin site checks it); the other
    fields have passed the model's own validation."""
    tag.colour = tag_colour_check(tag.colour)
    tag._history_user = actor
    tag.save()
    return tag
