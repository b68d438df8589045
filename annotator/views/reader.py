"""The reader: an article's text with its highlights and sidebar, and the writes made
from it (tag a span, change or delete an annotation, undo a delete)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from annotator import forms, services
from annotator.models import Annotation, Tag
from annotator.selectors import reader as selectors
from annotator.selectors import revisions
from annotator.views._htmx import (
    HtmxHttpRequest,
    error_response,
    message_of,
    safe_next,
    swap_into,
)
from articles.models import Article


def _int_param(request, name: str) -> int | None:
    try:
        return max(0, int(request.GET[name]))
    except (KeyError, ValueError):
        return None


def _reader(request: HtmxHttpRequest, article: Article, extra=None, status: int = 200):
    """The reader (whole page, or the #reader fragment for htmx)."""
    offset = _int_param(request, "offset") or 0
    context = selectors.reader_context(
        article, request.user, request.GET, end=offset + selectors.LIST_PAGE
    )
    context.update(extra or {})
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "annotator/article_detail.html#reader", context, status=status)
    return render(request, "annotator/article_detail.html", context, status=status)


@require_GET
def article_detail(request: HtmxHttpRequest, slug: str):
    article = get_object_or_404(Article, slug=slug)
    if "revision" in request.GET:
        # An earlier revision, read-only, with the annotations as they were then.
        context = revisions.reader_at_revision(article, request.GET["revision"])
        return render(request, "annotator/article_revision.html", context)
    offset = _int_param(request, "offset")
    if request.htmx and offset is not None:
        # "Show more" in the sidebar: only the next items, not the whole reader.
        context = selectors.sidebar_more(
            article,
            request.user,
            request.GET,
            offset=offset,
            through=_int_param(request, "through"),
        )
        return render(request, "annotator/article_detail.html#annotation-items", context)
    return _reader(request, article)


def _after_write(request: HtmxHttpRequest, article: Article, extra=None, status: int = 200):
    if request.htmx:
        return _reader(request, article, extra, status)
    return redirect(article)


@require_POST
def annotation_create(request: HtmxHttpRequest, slug: str):
    article = get_object_or_404(Article, slug=slug)
    form = forms.AnnotationCreateForm(request.POST)
    if not form.is_valid():
        return error_response(request, article, forms.first_error(form), "#picker-error")
    data = form.cleaned_data
    try:
        services.annotation_create(
            article=article,
            author=request.user,
            start=data["start"],
            end=data["end"],
            tag=data["tag"],
            note=data["note"],
            quote=data["quote"] if "quote" in request.POST else None,
        )
    except ValidationError as error:
        return error_response(request, article, error, "#picker-error")
    return _after_write(request, article, status=201)


def _live_annotation(annotation_id: int) -> Annotation:
    return get_object_or_404(Annotation.objects.live().select_related("article"), pk=annotation_id)


def _edit_form(request, annotation, *, conflict=None, status=200):
    context = {"annotation": annotation, "tags": Tag.objects.all(), "conflict": conflict}
    if not request.htmx:
        return render(request, "annotator/annotation_form.html", context, status=status)
    response = render(request, "annotator/annotation_form.html#edit-form", context, status=status)
    if status != 200:
        response = swap_into(response, f"#ann-edit-{annotation.pk}")
    return response


@require_http_methods(["GET", "POST"])
def annotation_update(request: HtmxHttpRequest, annotation_id: int):
    annotation = _live_annotation(annotation_id)
    article = annotation.article
    if request.method == "GET":
        if not annotation.is_editable_by(request.user):
            raise PermissionDenied("Only the author can change this annotation.")
        return _edit_form(request, annotation)
    target = f"#ann-error-{annotation.pk}"
    form = forms.AnnotationUpdateForm(request.POST)
    if not form.is_valid():
        return error_response(request, article, forms.first_error(form), target)
    data = form.cleaned_data
    try:
        services.annotation_update(
            annotation=annotation,
            actor=request.user,
            version=data["version"],
            tag=data["tag"],
            note=data["note"],
        )
    except PermissionDenied as error:
        return error_response(request, article, error, target, status=403)
    except services.StaleVersion as error:
        # Show what changed meanwhile beside what this person meant to save, so the
        # change can be applied again on top of the current version.
        conflict = {"message": message_of(error), "tag": data["tag"], "note": data["note"]}
        return _edit_form(request, error.current, conflict=conflict, status=409)
    except ValidationError as error:
        return error_response(request, article, error, target)
    return _after_write(request, article)


@require_POST
def annotation_delete(request: HtmxHttpRequest, annotation_id: int):
    annotation = _live_annotation(annotation_id)
    article = annotation.article
    target = f"#ann-error-{annotation.pk}"
    form = forms.AnnotationDeleteForm(request.POST)
    if not form.is_valid():
        return error_response(request, article, forms.first_error(form), target)
    try:
        deleted = services.annotation_delete(
            annotation=annotation, actor=request.user, version=form.cleaned_data["version"]
        )
    except PermissionDenied as error:
        return error_response(request, article, error, target, status=403)
    except services.StaleVersion as error:
        return error_response(request, article, error, target, status=409)
    except ValidationError as error:
        return error_response(request, article, error, target)
    if not request.htmx:
        messages.success(
            request, "Annotation deleted. It stays in the history, where you can restore it."
        )
    return _after_write(request, article, {"undo": deleted})


@require_POST
def annotation_restore(request: HtmxHttpRequest, annotation_id: int):
    """Undo a delete, or (with `revision`) return an annotation to an earlier revision."""
    annotation = get_object_or_404(Annotation.objects.select_related("article"), pk=annotation_id)
    article = annotation.article
    back = safe_next(request, reverse("annotator:article_history", args=[article.slug]))
    form = forms.AnnotationRestoreForm(request.POST)
    if not form.is_valid():
        messages.error(request, forms.first_error(form))
        return redirect(back)
    try:
        restored = services.annotation_restore(
            annotation=annotation,
            actor=request.user,
            revision=form.cleaned_data["revision"],
            version=form.cleaned_data["version"],
        )
    except PermissionDenied as error:
        return error_response(request, article, error, "#reader-notice", status=403)
    except ValidationError as error:  # StaleVersion included
        return error_response(request, article, error, "#reader-notice", status=409)
    if request.htmx:
        return _reader(request, article)
    what = restored.history.first().history_change_reason
    messages.success(request, f"Annotation “{restored.short_quote}” {what}.")
    return redirect(back)


@require_GET
def guidelines(request: HtmxHttpRequest):
    return render(request, "annotator/guidelines.html", {"tags": Tag.objects.all()})
