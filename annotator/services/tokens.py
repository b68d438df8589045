"""API tokens: made, listed and revoked by their owner. A token is shown once, when it
is made; only its hash is kept (ApiToken). Tokens are the owner's own access, not shared
work, so they keep no revision history."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
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
    token = _token_with_user(ApiToken.digest_of(key))
    if token is None:
        return None
    if not token.is_valid_for(token.user):
        token.delete()
        return None
    return token


def _token_with_user(digest: str) -> ApiToken | None:
    """The token with this digest and its user. On PostgreSQL in one plain statement:
    every API request asks, and the ORM's select_related costs about 0.5 ms of CPU to
    compile against 0.1 ms for this."""
    if connection.vendor != "postgresql":
        # Plain rows skip the ORM's converters, which SQLite's dates need.
        return ApiToken.objects.select_related("user").filter(digest=digest).first()
    user_model = get_user_model()
    token_fields = ApiToken._meta.concrete_fields
    user_fields = user_model._meta.concrete_fields
    quote = connection.ops.quote_name
    columns = [f"t.{quote(f.column)}" for f in token_fields]
    columns += [f"u.{quote(f.column)}" for f in user_fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(columns)} FROM {quote(ApiToken._meta.db_table)} t "  # noqa: S608 - names from the models
            f"JOIN {quote(user_model._meta.db_table)} u ON u.id = t.user_id "
            "WHERE t.digest = %s",
            [digest],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(token_fields)
    token = ApiToken.from_db("default", [f.attname for f in token_fields], row[:split])
    token.user = user_model.from_db("default", [f.attname for f in user_fields], row[split:])
    return token


def token_list(*, user) -> list[ApiToken]:
    """The user's tokens that still work, newest first."""
    return [token for token in user.api_tokens.all() if token.is_valid_for(user)]


def token_revoke(*, token: ApiToken, actor) -> None:
    """Revoke `token`. Only its owner may."""
    if token.user_id != actor.pk:
        raise PermissionDenied(_("Only the person a token belongs to can revoke it."))
    token.delete()
