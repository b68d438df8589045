"""A moment as every page shows it: the language's DATETIME_FORMAT in the active zone,
with the zone named the way the page script names it (static/js/tz.js), so a time the
server wrote and one the script wrote read the same.

    {% load when %}<time datetime="{{ t|date:'c' }}" data-when>{{ t|when }}</time>
"""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.formats import date_format

register = template.Library()

# The zone abbreviations Intl.DateTimeFormat("en-US", {timeZoneName: "short"}) gives, with
# the offset each stands for there ("CST" is also China's, at +8, which Intl calls GMT+8).
NAMED = {
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8, "HST": -10, "HDT": -9, "AST": -4, "ADT": -3,
}  # fmt: skip


def zone_name(moment: datetime) -> str:
    """The zone of an aware `moment` as Intl names it in en-US: "UTC", "CST", "EDT", else
    the offset ("GMT", "GMT+9", "GMT-3:30")."""
    abbreviation = moment.tzname() or ""
    offset = moment.utcoffset() or timedelta(0)
    if abbreviation == "UTC" and not offset:
        return "UTC"
    if NAMED.get(abbreviation) is not None and offset == timedelta(hours=NAMED[abbreviation]):
        return abbreviation
    minutes = int(offset.total_seconds()) // 60
    if not minutes:
        return "GMT"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"GMT{sign}{hours}" + (f":{rest:02d}" if rest else "")


@register.filter
def when(value) -> str:
    """`value` (an aware datetime) in the active zone and language, its zone named."""
    if not value:
        return ""
    local = timezone.localtime(value)
    return f"{date_format(local, 'DATETIME_FORMAT')} {zone_name(local)}"
