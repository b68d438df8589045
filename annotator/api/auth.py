"""API tokens: exchange a user name and password for a token; revoke it."""

from django.contrib.auth import authenticate
from django.core import exceptions as django_exceptions
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from annotator import lockout
from annotator.api import serializers
from annotator.api.errors import errors
from annotator.api.http import ContentLengthLimit
from annotator.models import ApiToken
from annotator.services import tokens


class TokenThrottle(ScopedRateThrottle):
    """Tries per address at POST /api/token/, counted in the shared cache (Redis or the
    database: settings.CACHES), so every server process counts the same tries. DRF reads
    and writes the count in two steps; one at a time per address, so none is lost."""

    def allow_request(self, request, view):
        if request.method != "POST":
            return True
        with lockout.one_at_a_time(f"token-throttle:{self.get_ident(request)}"):
            return super().allow_request(request, view)


class TokenView(ContentLengthLimit, APIView):
    """POST: exchange a user name and password for a new API token.
    DELETE: revoke the token that authenticates this request."""

    # Password guessing: a few tries a minute per address, then 429; and the sign-in
    # lockout (annotator/lockout.py) per user name and address, as on the sign-in page.
    throttle_classes = [TokenThrottle]
    throttle_scope = "token"

    def _is_sign_in(self) -> bool:
        request = getattr(self, "request", None)  # None while the schema is generated
        return request is not None and request.method == "POST"

    def get_permissions(self):
        if self._is_sign_in():
            return [permissions.AllowAny()]
        return super().get_permissions()

    def get_authenticators(self):
        if self._is_sign_in():
            return []
        return super().get_authenticators()

    @extend_schema(
        request=serializers.TokenRequestSerializer,
        responses={
            200: serializers.TokenSerializer,
            **errors(400, 413),
            429: OpenApiResponse(serializers.ErrorSerializer, description="Too many tries."),
        },
        auth=[],
    )
    def post(self, request):
        data = serializers.TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        expires_in_days = data.validated_data.pop("expires_in_days", None)
        # The Django request, so that django-axes counts the failure and the lockout.
        credentials = data.validated_data
        with lockout.one_try_at_a_time(request._request, credentials["username"]):
            user = authenticate(request=request._request, **credentials)
        if user is None or not user.is_active:
            raise django_exceptions.ValidationError(
                _("The user name or password is not right."), code="invalid_credentials"
            )
        token, key = tokens.token_create(user=user, expires_in_days=expires_in_days)
        return Response({"token": key, "expires": token.expires})

    @extend_schema(
        request=None,
        responses={204: None, **errors(400, 401)},
    )
    def delete(self, request):
        if not isinstance(request.auth, ApiToken):
            raise django_exceptions.ValidationError(
                _(
                    "This request is not signed with a token, so there is none to revoke. "
                    "Send 'Authorization: Token <key>', or revoke tokens on /account/tokens/."
                ),
                code="no_token",
            )
        tokens.token_revoke(token=request.auth, actor=request.user)
        return Response(status=204)
