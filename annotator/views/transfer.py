"""The import page: choose a file, see what importing it would do (articles, annotations
to create, skipped as already here, refused with the reason per line), then import."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from annotator import forms, services
from annotator.formats import background
from annotator.formats import preview as previews
from annotator.models import IMPORT_FILE_MAX_BYTES, ImportJob
from annotator.views._htmx import HtmxHttpRequest, message_of

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
        data = bytes(upload.data)
        plan = previews.import_preview(upload.format, data, actor=request.user)
        if len(plan.to_create) > settings.IMPORT_BACKGROUND_RECORDS:
            job = background.import_enqueue(
                user=request.user, source=ImportJob.Source.PAGE, fmt=upload.format,
                name=upload.name, data=data, total=len(plan.to_create),
            )  # fmt: skip
            services.import_upload_discard(upload=upload)
            return redirect("annotator:import_task", pk=job.pk)
        result = background.import_page_run(
            upload.format, data, name=upload.name, actor=request.user
        )
    except ValidationError as error:
        context = _context(form, error=message_of(error))
        return render(request, "annotator/import_page.html", context, status=400)
    services.import_upload_discard(upload=upload)
    request.session[RESULT_KEY] = result
    return redirect("annotator:import_done")


@require_GET
def import_done(request: HtmxHttpRequest):
    result = request.session.get(RESULT_KEY)
    if result is None:
        return redirect("annotator:import_page")
    context = _context(forms.ImportFileForm(), result=result)
    return render(request, "annotator/import_page.html", context)


@require_GET
def import_task(request: HtmxHttpRequest, pk):
    """A background import's page: a progress bar that htmx refreshes every second
    until the import is done (then its result) or failed (then why)."""
    job = ImportJob.objects.filter(pk=pk).first()
    if job is None or not job.is_visible_to(request.user):
        raise Http404
    job = services.import_job_refresh(job)  # failed, if its worker ended mid-way
    context = _context(forms.ImportFileForm(), job=job, result=job.result)
    if request.htmx:
        return render(request, "annotator/import_page.html#import-task", context)
    return render(request, "annotator/import_page.html", context)
