"""Token authentication against hashed tokens (annotator.models.ApiToken):
"Authorization: Token <key>", as before, for tokens from POST /api/token/."""

from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from annotator.services import tokens


class HashedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        token = tokens.token_for_key(key)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(
                "That token is not valid (revoked, expired, or made before a password "
                "change). Get a new one from /api/token/."
            )
        return token.user, token
