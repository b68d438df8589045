"""The error pages (handler400/403/404/500 in annotator/urls.py), each in the shape of
the request that met it: JSON {"detail", "code"} under /api/, a fragment for htmx (shown
in the part of the page that asked, never a whole page inside a page), else a page.

A database that does not answer (stopped, restarting, out of connections) is a 503
with Retry-After, not a 500: nothing was written (every write is one transaction), and
the request can simply be tried again; the app reconnects by itself."""

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

NOT_FOUND = "There is nothing here; it may have been deleted or never existed."
UNAVAILABLE = (
    "The database is not answering just now, so nothing was read or saved. "
    "Try again in a few seconds."
)


def _is_api(request) -> bool:
    """JSON wanted: the API, or a page's script that asked for JSON (Accept)."""
    if request.path.startswith("/api/"):
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def _fragment(request, text: str, status: int):
    return render(request, "annotator/_error.html", {"error": text}, status=status)


@requires_csrf_token
def bad_request(request, exception):
    text = "The request could not be understood. Go back and try again."
    if _is_api(request):
        return JsonResponse({"detail": text, "code": "bad_request"}, status=400)
    if getattr(request, "htmx", False):
        return _fragment(request, text, 400)
    return render(request, "400.html", status=400)


@requires_csrf_token
def permission_denied(request, exception):
    text = str(exception) or "You are not allowed to do this."
    if _is_api(request):
        return JsonResponse({"detail": text, "code": "permission_denied"}, status=403)
    if getattr(request, "htmx", False):
        return _fragment(request, text, 403)
    return render(request, "403.html", {"exception": str(exception)}, status=403)


@requires_csrf_token
def page_not_found(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": NOT_FOUND, "code": "not_found"}, status=404)
    if getattr(request, "htmx", False):
        return _fragment(request, NOT_FOUND, 404)
    return render(request, "404.html", status=404)


def database_unavailable(request):
    """503 with Retry-After. No template context from the database (no user, no
    messages): it is not there."""
    retry = str(settings.UNAVAILABLE_RETRY_AFTER)
    if _is_api(request):
        response = JsonResponse({"detail": UNAVAILABLE, "code": "unavailable"}, status=503)
    elif getattr(request, "htmx", False):
        response = _fragment(request, UNAVAILABLE, 503)
    else:
        html = loader.get_template("503.html").render({"retry_after": retry})
        response = _plain(html, 503)
    response["Retry-After"] = retry
    return response


@requires_csrf_token
def server_error(request):
    """500, unless the error is the database not answering (503)."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        return database_unavailable(request)
    if _is_api(request):
        text = "The server hit an error and nothing was saved by this request."
        return JsonResponse({"detail": text, "code": "server_error"}, status=500)
    return _plain(loader.get_template("500.html").render(), 500)


def _plain(html: str, status: int):
    return HttpResponse(html, status=status)
