"""The one definition of how annotations are filtered, for the reader, the API list,
the export and the export command.

`AnnotationFilter` is a django-filter FilterSet. Every value is checked the same way:
an unknown tag, person, article or status, or an unreadable date, is an error with a
sentence (a 400 on the API, a message on the page), never a silently empty list.
"""

from datetime import UTC, datetime

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from annotator.models import AGREED, Annotation, Tag
from annotator.services.rules import unknown_tag_message
from articles.models import Article

NEEDS_MY_REVIEW = "needs-review"
STATUS_CHOICES = [
    *Annotation.Status.choices,
    (AGREED, _("Agreed (accepted or settled)")),
    (NEEDS_MY_REVIEW, _("Needs my review")),
]


def _refuse_nul(name: str, value) -> None:
    # PostgreSQL cannot compare with text holding NUL; say so instead of failing.
    if isinstance(value, str) and "\x00" in value:
        raise ValidationError(
            _("%(name)s holds a NUL character.") % {"name": name}, code=name
        )


class _NamedChoiceField(forms.ModelChoiceField):
    """A model chosen by a name (`to_field_name`), with our own sentence when unknown."""

    def __init__(self, *args, param: str, unknown, **kwargs):
        self.param, self.unknown = param, unknown
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        _refuse_nul(self.param, value)
        try:
            return super().to_python(value)
        except ValidationError:
            raise ValidationError(self.unknown(value), code=self.param) from None


class _NamedChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = _NamedChoiceField


class _StatusField(forms.ChoiceField):
    def validate(self, value):
        _refuse_nul("status", value)
        if value and value not in dict(STATUS_CHOICES):
            known = [choice for choice, _ in STATUS_CHOICES]
            raise ValidationError(
                _("status must be one of %(known)s or %(last)s, not %(value)s.")
                % {"known": ", ".join(known[:-1]), "last": known[-1], "value": repr(value)},
                code="status",
            )


class _StatusFilter(django_filters.ChoiceFilter):
    field_class = _StatusField


def parse_since(value: str) -> datetime:
    """An ISO 8601 date and time, in UTC; naive ones are taken as UTC."""
    try:
        moment = parse_datetime(value.strip().replace(" ", "+"))
    except ValueError:
        moment = None
    if moment is None:
        raise ValidationError(
            _(
                "since must be an ISO 8601 date and time, such as 2026-01-31T12:00:00Z; "
                "%(value)s is not one."
            )
            % {"value": repr(value)},
            code="since",
        )
    try:
        # In UTC: PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows.
        return (make_aware(moment, UTC) if is_naive(moment) else moment).astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValidationError(
            _("since %(value)s is outside the dates that can be stored.")
            % {"value": repr(value)},
            code="since",
        ) from None


class _SinceField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        _refuse_nul("since", value)
        return parse_since(value) if value else None


class _SinceFilter(django_filters.Filter):
    field_class = _SinceField


class _SearchField(forms.CharField):
    def to_python(self, value):
        from annotator.selectors.search import clean_query  # search reads these filters

        value = super().to_python(value)
        return clean_query(value) if value else ""


@extend_schema_field(OpenApiTypes.STR)
class _SearchFilter(django_filters.Filter):
    field_class = _SearchField


class AnnotationFilter(django_filters.FilterSet):
    """Filters on one article's annotations (the reader, the API list). Pass `user` (or
    DRF's `request`) so that "needs my review" knows who asks."""

    tag = _NamedChoiceFilter(
        queryset=Tag.objects.all(),
        to_field_name="key",
        param="tag",
        unknown=unknown_tag_message,
        help_text="Only this tag key (fact, opinion, ...).",
    )
    author = _NamedChoiceFilter(
        queryset=get_user_model().objects.only("pk", "username"),
        to_field_name="username",
        param="author",
        unknown=lambda value: f"There is nobody with the user name {value!r}.",
        help_text="Only annotations by this user name.",
    )
    status = _StatusFilter(
        choices=STATUS_CHOICES,
        method="filter_status",
        help_text="Review status, from the verdicts on the current version of each "
        "annotation: pending, accepted, disputed, settled; agreed: accepted or settled "
        "(the agreed set to train on); needs-review: others' annotations you have no "
        "verdict on (or whose tag or span changed since yours), not settled.",
    )
    since = _SinceFilter(
        field_name="modified",
        lookup_expr="gte",
        help_text="Changed at or after this ISO 8601 date-time.",
    )
    q = _SearchFilter(
        method="filter_q",
        help_text="Search: annotations whose quote, note, comments or verdict reasons hold "
        "these words (full-text in the article's language on PostgreSQL: all words, "
        '"a phrase", or, -word); at most 200 characters.',
    )

    class Meta:
        model = Annotation
        fields = ["tag", "author", "status", "since"]

    def __init__(self, data=None, queryset=None, *, user=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        # DRF's filter backend passes `request`; the pages and commands pass `user`.
        self.user = user or getattr(self.request, "user", None)

    def active(self) -> dict[str, str]:
        """The filters that were understood, as the strings a URL would carry."""
        if not self.is_bound:
            return {}
        self.errors  # noqa: B018 - validates the form
        names = {"article": "slug", "tag": "key", "author": "username"}
        active = {}
        for name, value in self.form.cleaned_data.items():
            if value in (None, ""):
                continue
            if name in names:
                value = getattr(value, names[name])
            elif name == "since":
                value = value.isoformat()
            active[name] = value
        return active

    def filter_q(self, queryset, name, value):
        from annotator.selectors.search import annotation_matches

        return annotation_matches(queryset, value)

    def filter_status(self, queryset, name, value):
        if value == NEEDS_MY_REVIEW:
            return queryset.needs_review_by(self.user)
        return queryset.filter_status(value)


class ExportFilter(AnnotationFilter):
    """The same filters across articles, and `article` to keep one (the exports)."""

    article = _NamedChoiceFilter(
        queryset=Article.objects.only("pk", "slug"),
        to_field_name="slug",
        param="article",
        unknown=lambda value: f"There is no article called {value!r}.",
        help_text="Only this article (slug).",
    )

    class Meta:
        model = Annotation
        fields = ["article", "tag", "author", "status", "since"]


def errors_of(filterset: AnnotationFilter) -> dict[str, list[str]]:
    """{parameter: [sentence]} for the filters that could not be read."""
    return {name: list(messages) for name, messages in filterset.errors.items()}


def filtered_or_error(queryset, params, *, user=None, filterset_class=AnnotationFilter):
    """`queryset` narrowed by `params`; a ValidationError naming the first bad filter."""
    filterset = filterset_class(params, queryset=queryset, user=user)
    errors = errors_of(filterset)
    if errors:
        name, messages = next(iter(errors.items()))
        raise ValidationError({name: messages}, code=name)
    return filterset.qs
