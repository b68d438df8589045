"""Search from the header: annotations (quote, note, comments, verdict reasons) and
articles (title, text), with the matching words marked and the filters kept."""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from annotator.models import Tag
from annotator.selectors import search as selectors
from annotator.selectors.filters import STATUS_CHOICES
from annotator.views._htmx import HtmxHttpRequest, message_of


@require_GET
def search(request: HtmxHttpRequest):
    try:
        page = min(max(1, int(request.GET.get("page", 1))), selectors.PAGES_MAX)
    except ValueError:
        page = 1
    context = {
        "q": request.GET.get("q", "").strip(),
        "tags": Tag.objects.all(),
        "statuses": STATUS_CHOICES,
        "chosen": {name: request.GET.get(name, "") for name in selectors.SEARCH_FILTERS},
        "page_size": selectors.SEARCH_PAGE,
    }
    status = 200
    try:
        if not context["q"]:
            raise ValidationError("")  # nothing asked yet: the form alone
        results = selectors.search_results(request.user, request.GET, page=page)
        # Two URLs per result, made from one reverse() each (not one per result).
        thread = reverse("annotator:annotation_thread", args=[0])
        for group in results.groups:
            group.url = group.article.get_absolute_url()
            for hit in group.hits:
                hit.thread_url = thread.replace("/0/", f"/{hit.annotation.pk}/")
        context["results"] = results
    except ValidationError as error:
        if context["q"]:
            context["error"] = message_of(error)
            status = 400
    kept = request.GET.copy()
    kept.pop("page", None)
    context["kept"] = kept.urlencode()
    return render(request, "annotator/search.html", context, status=status)
