from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
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


def _error(request: HtmxHttpRequest, article: Article, text: str, target: str, status=400):
    """Show `text` next to the control that sent the request (htmx), or as a message."""
    if request.htmx:
        response = render(request, "annotator/_error.html", {"error": text}, status=status)
        return reswap(retarget(response, target), "innerHTML")
    messages.error(request, text)
    return redirect(article)


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


@require_http_methods(["GET", "POST"])
def annotation_update(request: HtmxHttpRequest, annotation_id: int):
    annotation = _get_own_annotation(annotation_id)
    article = annotation.article
    if request.method == "GET":
        if not annotation.is_editable_by(request.user):
            raise PermissionDenied("Only the author can change this annotation.")
        context = {"annotation": annotation, "tags": Tag.objects.all()}
        template = "annotator/annotation_form.html"
        return render(request, f"{template}#edit-form" if request.htmx else template, context)
    target = f"#ann-error-{annotation.pk}"
    form = forms.AnnotationUpdateForm(request.POST)
    if not form.is_valid():
        return _error(request, article, forms.first_error(form), target)
    try:
        services.annotation_update(
            annotation=annotation,
            actor=request.user,
            version=form.cleaned_data["version"],
            tag=form.cleaned_data["tag"],
            note=form.cleaned_data["note"],
        )
    except PermissionDenied as error:
        return _error(request, article, str(error), target, status=403)
    except services.StaleVersion as error:
        return _error(request, article, _message(error), target, status=409)
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
        services.annotation_delete(
            annotation=annotation, actor=request.user, version=form.cleaned_data["version"]
        )
    except PermissionDenied as error:
        return _error(request, article, str(error), target, status=403)
    except services.StaleVersion as error:
        return _error(request, article, _message(error), target, status=409)
    except ValidationError as error:
        return _error(request, article, _message(error), target)
    return _reader_or_redirect(request, article)


@require_GET
def guidelines(request: HtmxHttpRequest):
    return render(request, "annotator/guidelines.html", {"tags": Tag.objects.all()})
