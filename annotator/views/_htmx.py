"""Request helpers every page view uses: the htmx-aware request type, errors shown
where the person acted, and a safe `next`."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import reswap, retarget
from django_htmx.middleware import HtmxDetails

from annotator.services.rules import message_of

__all__ = ["HtmxHttpRequest", "error_response", "message_of", "safe_next", "swap_into"]


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def error_response(request: HtmxHttpRequest, back, error, target: str, status: int = 400):
    """Show `error` (a sentence or a ValidationError) next to the control that sent the
    request (htmx, swapped into `target`), or as a message after a redirect to `back`
    (a URL or an object with get_absolute_url)."""
    text = message_of(error) if isinstance(error, ValidationError) else str(error)
    if request.htmx:
        response = render(request, "annotator/_error.html", {"error": text}, status=status)
        return swap_into(response, target)
    messages.error(request, text)
    return redirect(back)


def swap_into(response, target: str):
    """Have htmx put `response` inside `target` rather than where the request said."""
    return reswap(retarget(response, target), "innerHTML")


def safe_next(request: HtmxHttpRequest, default: str = "") -> str:
    """The form's `next` when it is a URL of this site, else `default`."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default
