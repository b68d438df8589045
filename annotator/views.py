from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from annotator import forms, services
from annotator.models import Annotation, Tag
from articles.models import Article
from articles.views import HtmxHttpRequest, reader_context


def _message(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(str(m) for messages_ in error.message_dict.values() for m in messages_)
    return " ".join(error.messages)


def _reader_or_redirect(request: HtmxHttpRequest, article: Article, status: int = 200):
    if request.htmx:
        return render(
            request,
            "articles/article_detail.html#reader",
            reader_context(request, article),
            status=status,
        )
    return redirect(article)


def _error(request: HtmxHttpRequest, back, text: str, target: str, status=400):
    """Show `text` next to the control that sent the request (htmx, swapped into
    `target`), or as a message after a redirect to `back` (a URL or an object)."""
    if request.htmx:
        response = render(request, "annotator/_error.html", {"error": text}, status=status)
        return reswap(retarget(response, target), "innerHTML")
    messages.error(request, text)
    return redirect(back)


def _get_own_annotation(annotation_id: int) -> Annotation:
    return get_object_or_404(Annotation.objects.live().select_related("article"), pk=annotation_id)


@require_POST
def annotation_create(request: HtmxHttpRequest, slug: str):
    article = get_object_or_404(Article, slug=slug)
    form = forms.AnnotationCreateForm(request.POST)
    if not form.is_valid():
        return _error(request, article, forms.first_error(form), "#picker-error")
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
        return _error(request, article, _message(error), "#picker-error")
    return _reader_or_redirect(request, article, status=201 if request.htmx else 302)


def _edit_form(request, annotation, *, conflict=None, status=200):
    context = {"annotation": annotation, "tags": Tag.objects.all(), "conflict": conflict}
    if not request.htmx:
        return render(request, "annotator/annotation_form.html", context, status=status)
    response = render(request, "annotator/annotation_form.html#edit-form", context, status=status)
    if status != 200:
        response = reswap(retarget(response, f"#ann-edit-{annotation.pk}"), "innerHTML")
    return response


@require_http_methods(["GET", "POST"])
def annotation_update(request: HtmxHttpRequest, annotation_id: int):
    annotation = _get_own_annotation(annotation_id)
    article = annotation.article
    if request.method == "GET":
        if not annotation.is_editable_by(request.user):
            raise PermissionDenied("Only the author can change this annotation.")
        return _edit_form(request, annotation)
    target = f"#ann-error-{annotation.pk}"
    form = forms.AnnotationUpdateForm(request.POST)
    if not form.is_valid():
        return _error(request, article, forms.first_error(form), target)
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
        return _error(request, article, str(error), target, status=403)
    except services.StaleVersion as error:
        # Show what changed meanwhile beside what this person meant to save, so the
        # change can be applied again on top of the current version.
        conflict = {"message": _message(error), "tag": data["tag"], "note": data["note"]}
        return _edit_form(request, error.current, conflict=conflict, status=409)
    except ValidationError as error:
        return _error(request, article, _message(error), target)
    return _reader_or_redirect(request, article)


@require_POST
def annotation_delete(request: HtmxHttpRequest, annotation_id: int):
    annotation = _get_own_annotation(annotation_id)
    article = annotation.article
    target = f"#ann-error-{annotation.pk}"
    form = forms.AnnotationDeleteForm(request.POST)
    if not form.is_valid():
        return _error(request, article, forms.first_error(form), target)
    try:
        deleted = services.annotation_delete(
            annotation=annotation, actor=request.user, version=form.cleaned_data["version"]
        )
    except PermissionDenied as error:
        return _error(request, article, str(error), target, status=403)
    except services.StaleVersion as error:
        return _error(request, article, _message(error), target, status=409)
    except ValidationError as error:
        return _error(request, article, _message(error), target)
    if request.htmx:
        context = reader_context(request, article) | {"undo": deleted}
        return render(request, "articles/article_detail.html#reader", context)
    messages.success(
        request, "Annotation deleted. It stays in the history, where you can restore it."
    )
    return redirect(article)


def _back(request: HtmxHttpRequest, default: str = "") -> str:
    """The form's `next` when it is a URL of this site, else `default`."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@require_POST
def annotation_restore(request: HtmxHttpRequest, annotation_id: int):
    """Undo a delete, or (with `revision`) return an annotation to an earlier revision."""
    annotation = get_object_or_404(Annotation.objects.select_related("article"), pk=annotation_id)
    article = annotation.article
    back = _back(request, reverse("annotator:article_history", args=[article.slug]))
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
        return _error(request, article, str(error), "#reader-notice", status=403)
    except ValidationError as error:  # StaleVersion included
        return _error(request, article, _message(error), "#reader-notice", status=409)
    if request.htmx:
        return _reader_or_redirect(request, article)
    what = restored.history.first().history_change_reason
    messages.success(request, f"Annotation “{restored.short_quote}” {what}.")
    return redirect(back)


@require_GET
def guidelines(request: HtmxHttpRequest):
    return render(request, "annotator/guidelines.html", {"tags": Tag.objects.all()})
