"""API tokens: made, listed and revoked by their owner. A token is shown once, when it
is made; only its hash is kept (ApiToken). Tokens are the owner's own access, not shared
work, so they keep no revision history."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from annotator.models import ApiToken

# A person may hold this many tokens; making one more revokes the oldest.
TOKENS_PER_USER = 20


def token_create(*, user, expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for `user` and its key (the only time the key is known). Precondition:
    the user's password was just checked. Expiry: `expires_in_days`, else the
    DJANGO_TOKEN_TTL_DAYS setting (0: never)."""
    days = expires_in_days or settings.API_TOKEN_TTL_DAYS
    key = secrets.token_hex(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            digest=ApiToken.digest_of(key),
            prefix=key[:8],
            user=user,
            password_fingerprint=ApiToken.fingerprint_of(user),
            expires=timezone.now() + timedelta(days=days) if days else None,
        )
        for old in user.api_tokens.order_by("-created", "-id")[TOKENS_PER_USER:]:
            old.delete()
    return token, key


def token_for_key(key: str) -> ApiToken | None:
    """The live token with this key, with its user; None when unknown, expired or made
    before the user's last password change (such a token is removed)."""
    token = ApiToken.objects.select_related("user").filter(digest=ApiToken.digest_of(key)).first()
    if token is None:
        return None
    if not token.is_valid_for(token.user):
        token.delete()
        return None
    return token


def token_list(*, user) -> list[ApiToken]:
    """The user's tokens that still work, newest first."""
    return [token for token in user.api_tokens.all() if token.is_valid_for(user)]


def token_revoke(*, token: ApiToken, actor) -> None:
    """Revoke `token`. Only its owner may."""
    if token.user_id != actor.pk:
        raise PermissionDenied(_("Only the person a token belongs to can revoke it."))
    token.delete()
