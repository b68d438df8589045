"""API tokens: exchange a user name and password for a token."""

from django.contrib.auth import authenticate
from django.core import exceptions as django_exceptions
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from annotator.api import serializers
from annotator.api.errors import errors
from annotator.api.http import ContentLengthLimit


class TokenView(ContentLengthLimit, APIView):
    """Exchange a user name and password for an API token."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    # Password guessing: a few tries a minute per address, then 429.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"

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
        user = authenticate(request=request, **data.validated_data)
        if user is None or not user.is_active:
            raise django_exceptions.ValidationError(
                "The user name or password is not right.", code="invalid_credentials"
            )
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
