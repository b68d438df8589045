"""A person's language and time zone (Preference): saved with a revision, and copied
into the session at sign-in and on each change, so a request finds them without a
query (annotator.middleware.PersonLocaleMiddleware applies them)."""

import functools
import zoneinfo

from django.conf import settings
from django.db import transaction

from annotator.models import Preference

SESSION_LANGUAGE = "pref_language"
SESSION_TIME_ZONE = "pref_time_zone"


@functools.cache
def time_zones() -> frozenset[str]:
    """Every IANA zone name this machine knows (Europe/Madrid, America/Bogota, ...)."""
    return frozenset(zoneinfo.available_timezones())


def is_language(code: str) -> bool:
    return code in {lang for lang, _ in settings.LANGUAGES}


def is_time_zone(name: str) -> bool:
    return name in time_zones()


def preference_set(*, user, language: str | None = None, time_zone: str | None = None):
    """Save `user`'s language and/or time zone (a blank value: follow the browser).
    Unknown values raise ValueError; nothing is written then."""
    if language and not is_language(language):
        raise ValueError(language)
    if time_zone and not is_time_zone(time_zone):
        raise ValueError(time_zone)
    with transaction.atomic():
        pref, _ = Preference.objects.select_for_update().get_or_create(user=user)
        if language is not None:
            pref.language = language
        if time_zone is not None:
            pref.time_zone = time_zone
        pref.save()
    return pref


def remember_in_session(session, user) -> None:
    """Copy `user`'s preferences into `session` (at sign-in, after a change)."""
    pref = Preference.objects.filter(user=user).first()
    session[SESSION_LANGUAGE] = pref.language if pref else ""
    session[SESSION_TIME_ZONE] = pref.time_zone if pref else ""


def on_sign_in(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver (connected in annotator/apps.py)."""
    if request is not None and hasattr(request, "session"):
        remember_in_session(request.session, user)
