"""{{ tags|tag_keys }}: each tag's key and name as "<kbd>f</kbd> fact, <kbd>o</kbd>
opinion, ...", so a key hint can be one translatable sentence around the list (a
{% blocktranslate %} cannot hold the loop itself)."""

from django import template
from django.utils.html import format_html_join

register = template.Library()


@register.filter
def tag_keys(rows) -> str:
    """`rows`: tags, or tuples whose first item is a tag (the reader's tag_rows)."""
    tags = [row[0] if isinstance(row, tuple) else row for row in rows]
    return format_html_join(
        ", ", "<kbd>{}</kbd> {}", ((tag.shortcut, tag.display_label.lower()) for tag in tags)
    )
