"""How the API says what went wrong: every error is JSON {"detail": a sentence,
"code": a stable key} (plus "fields" when particular fields are at fault), never an HTML
page. Services raise Django's ValidationError / PermissionDenied and StaleVersion; the
exception handler here is the one place that turns them, and DRF's own errors, into
responses. Also the error responses the OpenAPI schema lists."""

from django.conf import settings
from django.core import exceptions as django_exceptions
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from annotator import services
from annotator.api import serializers


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = (
        "Send an If-Match header with the annotation's ETag (from GET) so a change made "
        "meanwhile by someone else is not overwritten."
    )
    default_code = "precondition_required"

    def __init__(self, what: str = "annotation"):
        super().__init__(self.default_detail.replace("annotation's", f"{what}'s"))


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "stale"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"

    def __init__(self, limit: int | None = None):
        limit = limit or settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        super().__init__(f"The request body is larger than the limit of {limit:,} bytes.")


FRIENDLY = {
    "not_authenticated": "Sign in first: send 'Authorization: Token <key>' or a session cookie.",
    "authentication_failed": "That token is not valid. Get a new one from /api/token/.",
    "not_found": "There is nothing here; it may have been deleted or never existed.",
}


def _messages(detail) -> dict[str, list[str]]:
    """Flatten DRF's nested error detail into {field path: [messages]}."""
    if isinstance(detail, dict):
        flat = {}
        for key, value in detail.items():
            for sub, messages in _messages(value).items():
                name = key if sub == "non_field_errors" else f"{key}.{sub}" if sub else key
                flat.setdefault(name, []).extend(messages)
        return flat
    if isinstance(detail, list):
        flat = {}
        for index, value in enumerate(detail):
            for sub, messages in _messages(value).items():
                name = sub if not isinstance(value, dict | list) else f"{index}.{sub}".strip(".")
                flat.setdefault(name, []).extend(messages)
        return flat
    return {"": [str(detail)]}


def _first_code(detail) -> str:
    if isinstance(detail, dict):
        return next((_first_code(v) for v in detail.values()), "invalid")
    if isinstance(detail, list):
        return next((_first_code(v) for v in detail), "invalid")
    return getattr(detail, "code", None) or "invalid"


def _error_body(detail, code: str) -> dict:
    fields = _messages(detail)
    sentences = [
        f"{name}: {message}" if name and name not in {"non_field_errors", "__all__"} else message
        for name, messages in fields.items()
        for message in messages
    ]
    body = {"detail": " ".join(sentences) or "The request is not valid.", "code": code}
    named = {k: v for k, v in fields.items() if k and k not in {"non_field_errors", "__all__"}}
    if named:
        body["fields"] = named
    return body


def _from_django_validation(error: django_exceptions.ValidationError) -> dict:
    if hasattr(error, "error_dict"):
        detail = error.message_dict
        # Django drops the code of ValidationError({field: message}, code=...); the field
        # name is the next most stable key.
        codes = [
            e.code or field
            for field, errors in error.error_dict.items()
            for e in errors
            if e.code or field != "__all__"
        ]
    else:
        detail = {"": error.messages}
        codes = [e.code for e in error.error_list if e.code]
    return _error_body(detail, codes[0] if codes else "invalid")


def exception_handler(exc, context):
    """Every API error as {"detail": sentence, "code": key}, never an HTML page."""
    if isinstance(exc, services.StaleVersion | services.StaleArticle):
        body = {"detail": exc.messages[0], "code": "stale"}
        return Response(body, status=412, headers={"ETag": exc.current.etag})
    if isinstance(exc, services.AlreadyTagged):
        body = {"detail": exc.messages[0], "code": "already_tagged", "annotation": exc.existing.pk}
        location = f"/api/annotations/{exc.existing.pk}/"
        return Response(body, status=409, headers={"Location": location})
    if isinstance(exc, django_exceptions.RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, django_exceptions.ValidationError):
        return Response(_from_django_validation(exc), status=status.HTTP_400_BAD_REQUEST)
    elif isinstance(exc, django_exceptions.PermissionDenied):
        detail = str(exc) or "You are not allowed to do this."
        exc = exceptions.PermissionDenied(detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(FRIENDLY["not_found"])
    elif isinstance(exc, exceptions.ParseError):
        exc = exceptions.ParseError(
            _("The request body could not be read: %(detail)s") % {"detail": exc.detail}
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = _first_code(exc.detail) if hasattr(exc, "detail") else "error"
    if isinstance(exc, exceptions.ValidationError):
        response.data = _error_body(exc.detail, code)
    else:
        detail = str(exc.detail) if hasattr(exc, "detail") else str(exc)
        response.data = {"detail": FRIENDLY.get(code, detail), "code": code}
    return response


def not_found(request, *args, **kwargs):
    """Any other path under /api/: a JSON 404, in DEBUG too (where Django's handler404
    would not run)."""
    return JsonResponse({"detail": FRIENDLY["not_found"], "code": "not_found"}, status=404)


ERRORS = {
    400: OpenApiResponse(serializers.ErrorSerializer, description="Invalid request."),
    401: OpenApiResponse(serializers.ErrorSerializer, description="Not signed in."),
    403: OpenApiResponse(serializers.ErrorSerializer, description="Not allowed."),
    404: OpenApiResponse(serializers.ErrorSerializer, description="No such object."),
    411: OpenApiResponse(serializers.ErrorSerializer, description="Body sent in chunks."),
    413: OpenApiResponse(serializers.ErrorSerializer, description="Body over 1 MiB."),
}


def errors(*codes: int) -> dict:
    return {code: ERRORS[code] for code in codes}


CONDITIONAL_ERRORS = {
    412: OpenApiResponse(
        serializers.ErrorSerializer,
        description="If-Match is not the current ETag; the response carries the current one.",
    ),
    428: OpenApiResponse(serializers.ErrorSerializer, description="If-Match is missing."),
}
