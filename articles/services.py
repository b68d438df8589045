"""Writes to articles. Each service is one transaction that also records its revision."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from articles.models import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH, Article

# Lines some sites append after the article body; they are navigation, not text.
TRAILING_NAVIGATION = {"back", "top bottom", "top", "bottom"}
# What an article's metadata may hold; its text has its own service (it moves anchors).
METADATA_FIELDS = {"title", "subtitle", "byline", "source_url", "published_on", "language"}


def split_title_and_text(raw: str) -> tuple[str, str]:
    """Split raw text as received into a title (its first non-blank line) and the body.

    The body is kept verbatim (typos, repeated paragraphs and the lines holding only a
    non-breaking space that separate sections), except that trailing site navigation
    and trailing blank lines are dropped and line endings become "\\n".
    """
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise ValidationError(_("The file is empty."))
    title = lines.pop(0).strip()
    while lines and (not lines[-1].strip() or lines[-1].strip().lower() in TRAILING_NAVIGATION):
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return title, "\n".join(lines)


def _unique_slug(title: str) -> str:
    base = slugify(title)[:100] or "article"
    slug, n = base, 2
    while Article.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def check_text(text) -> None:
    """An article's text: not blank, at most TEXT_MAX_LENGTH code points."""
    if not isinstance(text, str):
        raise ValidationError({"text": _("The text must be text.")})
    if not text.strip():
        raise ValidationError({"text": _("An article needs some text.")})
    if len(text) > TEXT_MAX_LENGTH:
        raise ValidationError(
            {
                "text": _("The text is longer than %(limit)s characters; split it up.")
                % {"limit": number_format(TEXT_MAX_LENGTH, force_grouping=True)}
            }
        )


def clean_title(title) -> str:
    """An article's title, trimmed: not blank, at most 300 characters."""
    if not isinstance(title, str):
        raise ValidationError({"title": _("The title must be text.")})
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("An article needs a title.")})
    if len(title) > TITLE_MAX_LENGTH:
        raise ValidationError(
            {
                "title": _("The title has %(count)s characters; the limit is %(limit)s.")
                % {
                    "count": number_format(len(title), force_grouping=True),
                    "limit": TITLE_MAX_LENGTH,
                }
            }
        )
    return title


@transaction.atomic
def article_create(*, title: str, text: str, created_by, slug: str = "", **fields) -> Article:
    """Create an article; `text` becomes the canonical text that offsets index.

    Preconditions: `created_by` is a saved user (or None for a system import). The slug
    is derived from the title when not given and made unique.
    """
    title = clean_title(title)
    check_text(text)
    article = Article(
        title=title, text=text, created_by=created_by, slug=slug or _unique_slug(title), **fields
    )
    article.full_clean()
    article._history_user = created_by
    article.save()
    return article


@transaction.atomic
def article_update_metadata(*, article: Article, actor, **fields) -> Article:
    """Change an article's title, subtitle, byline, source URL, date or language.

    Its text is not among them: annotations point into it, so a new text goes through
    annotator.services.article_revise, which carries them across. Preconditions: `actor`
    is an admin (the Django admin calls this) or the article's creator. The change is a
    new article version, so an If-Match naming the old one is stale.
    """
    unknown = set(fields) - METADATA_FIELDS
    if unknown:
        raise ValidationError(
            _("These cannot be changed here: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    current = Article.objects.select_for_update().get(pk=article.pk)
    if "title" in fields:
        fields["title"] = clean_title(fields["title"])
    for name, value in fields.items():
        setattr(current, name, value)
    current.full_clean()
    current.version += 1
    current._history_user = actor
    current._change_reason = "changed"
    current.save()
    return current
