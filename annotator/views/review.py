"""The review queue: others' annotations to give a verdict on, and the disputed ones."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from annotator.selectors import discussion as selectors
from annotator.views._htmx import HtmxHttpRequest


@require_GET
def review_queue(request: HtmxHttpRequest):
    tab = "disputed" if request.GET.get("tab") == "disputed" else "unreviewed"
    context = selectors.queue_context(request.user, tab)
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "annotator/review_queue.html#queue", context)
    return render(request, "annotator/review_queue.html", context)
