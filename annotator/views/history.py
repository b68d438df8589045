"""The history pages: an article's timeline of revisions, with filters and paging."""

from datetime import datetime, time, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from annotator.selectors import history
from annotator.views._htmx import HtmxHttpRequest
from articles.models import Article

PAGE = 50


class HistoryFilterForm(forms.Form):
    person = forms.ModelChoiceField(
        queryset=get_user_model().objects.order_by("username"),
        to_field_name="username",
        required=False,
        empty_label="Everyone",
    )
    kind = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Everything"),
            ("article", "Article text and title"),
            ("annotation", "Annotations"),
            ("comment", "Comments"),
            ("review", "Verdicts"),
        ],
    )
    action = forms.ChoiceField(
        required=False,
        choices=[("", "Any action")] + [(a, a.capitalize()) for a in history.ACTIONS],
    )
    since = forms.DateField(required=False, label="From", widget=forms.DateInput({"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput({"type": "date"}))


def _day_start(day):
    return timezone.make_aware(datetime.combine(day, time.min)) if day else None


@require_GET
def article_history(request: HtmxHttpRequest, slug: str):
    article = get_object_or_404(Article, slug=slug)
    form = HistoryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    until = filters.get("until")
    revisions, cursor = history.timeline(
        article=article,
        user=filters.get("person"),
        kind=filters.get("kind", ""),
        action=filters.get("action", ""),
        since=_day_start(filters.get("since")),
        until=_day_start(until + timedelta(days=1)) if until else None,
        cursor=request.GET.get("cursor"),
        limit=PAGE,
    )
    history.mark_restorable(revisions, request.user)
    history.number_revisions(article, revisions)
    query = request.GET.copy()
    query.pop("cursor", None)
    if cursor:
        query["cursor"] = cursor
    context = {
        "article": article,
        "form": form,
        "revisions": revisions,
        "next_query": query.urlencode() if cursor else "",
    }
    if request.htmx and request.GET.get("cursor"):
        return render(request, "annotator/article_history.html#revision-rows", context)
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "annotator/article_history.html#timeline", context)
    return render(request, "annotator/article_history.html", context)
