"""The import page: choose a file, see what importing it would do (articles, annotations
to create, skipped as already here, refused with the reason per line), then import."""

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from annotator import forms, services
from annotator.formats import import_records
from annotator.formats import preview as previews
from annotator.models import IMPORT_FILE_MAX_BYTES
from annotator.views._htmx import HtmxHttpRequest, message_of
from articles.models import Article

RESULT_KEY = "import_result"
REFUSED_SHOWN = 200  # a file refused line by line shows the first ones, and the count


def _context(form, **extra) -> dict:
    return {
        "form": form,
        "max_megabytes": IMPORT_FILE_MAX_BYTES // 1_048_576,
        "refused_shown": REFUSED_SHOWN,
        **extra,
    }


@require_http_methods(["GET", "POST"])
def import_page(request: HtmxHttpRequest):
    if request.method == "GET":
        return render(request, "annotator/import_page.html", _context(forms.ImportFileForm()))
    if request.POST.get("action") == "import":
        return _import(request)
    form = forms.ImportFileForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "annotator/import_page.html", _context(form), status=400)
    upload = form.cleaned_data["file"]
    try:
        services.import_file_check_size(upload.size)  # before reading it into memory
        data = upload.read()
        fmt = form.cleaned_data["format"] or previews.detect(upload.name, data)
        plan = previews.import_preview(fmt, data, actor=request.user)
        held = services.import_upload_hold(user=request.user, fmt=fmt, name=upload.name, data=data)
    except ValidationError as error:
        form.add_error("file", message_of(error))
        return render(request, "annotator/import_page.html", _context(form), status=400)
    refused_more = max(0, len(plan.refused) - REFUSED_SHOWN)
    context = _context(form, plan=plan, upload=held, refused_more=refused_more)
    return render(request, "annotator/import_page.html", context)


def _import(request):
    form = forms.ImportFileForm()
    try:
        upload = services.import_upload_take(
            user=request.user, digest=request.POST.get("upload", "")
        )
        plan = previews.import_preview(upload.format, bytes(upload.data), actor=request.user)
        result = import_records(plan.to_create, actor=request.user)
    except ValidationError as error:
        context = _context(form, error=message_of(error))
        return render(request, "annotator/import_page.html", context, status=400)
    services.import_upload_discard(upload=upload)
    articles = []
    for article_plan in plan.articles:
        article = article_plan.article
        if article is None:  # created by the import: found by the text it was made from
            same = Article.objects.filter(text=article_plan.text)
            article = same.order_by("-created", "-pk").first()
        if article is not None and article_plan.create + article_plan.skip:
            articles.append(
                {"title": article.title, "url": article.get_absolute_url(),
                 "created": article_plan.create, "skipped": article_plan.skip,
                 "new": article_plan.article is None}
            )  # fmt: skip
    request.session[RESULT_KEY] = {
        "name": upload.name,
        "created": result.created,
        "skipped": result.skipped + len(plan.skipped),
        "refused": len(plan.refused),
        "articles_created": result.articles_created,
        "articles": articles,
    }
    return redirect("annotator:import_done")


@require_GET
def import_done(request: HtmxHttpRequest):
    result = request.session.get(RESULT_KEY)
    if result is None:
        return redirect("annotator:import_page")
    context = _context(forms.ImportFileForm(), result=result)
    return render(request, "annotator/import_page.html", context)
