"""The article list: every article with its counts per tag, contributors, activity and
review progress."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from annotator.selectors import reader as selectors
from annotator.views._htmx import HtmxHttpRequest


@require_GET
def article_list(request: HtmxHttpRequest):
    rows, tags = selectors.article_rows(request.user)
    return render(request, "annotator/article_list.html", {"rows": rows, "tags": tags})
