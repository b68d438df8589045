"""Middleware of this project: what every response shares."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import resolve_url
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect


class HtmxSignInRedirectMiddleware:
    """A signed-out htmx request (a tab left open after signing out) would follow the
    redirect to the sign-in page and swap that whole page into the part it was
    updating. Instead, tell htmx to send the whole tab to sign-in (HX-Redirect), and
    back to the page it was on afterwards."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not getattr(request, "htmx", False) or response.status_code not in {301, 302, 303}:
            return response
        login = resolve_url(settings.LOGIN_URL)
        if not response.get("Location", "").startswith(login):
            return response
        page = request.htmx.current_url_abs_path or ""
        if not url_has_allowed_host_and_scheme(page, {request.get_host()}):
            page = "/"
        return HttpResponseClientRedirect(redirect_to_login(page, login)["Location"])


class NoCacheMiddleware:
    """Pages and API answers say `Cache-Control: no-cache, private` unless the view set
    its own: Back shows the reader as it is now, not as it was, and no shared cache
    keeps one person's page. (Static files are served before this, by WhiteNoise,
    with their long-lived headers.)"""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, no_cache=True, private=True)
        return response


class PersonLocaleMiddleware:
    """After LocaleMiddleware (cookie, else Accept-Language): the signed-in person's own
    language wins when they chose one; times are shown in their chosen zone, else in the
    browser's (the `tz` cookie static/js/tz.js sets), else UTC. Both read from the
    session (annotator/services/preferences.py), so no query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import timezone, translation

        from annotator.services import preferences

        session = getattr(request, "session", None)
        language = session.get(preferences.SESSION_LANGUAGE, "") if session else ""
        if language and preferences.is_language(language):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        chosen = session.get(preferences.SESSION_TIME_ZONE, "") if session else ""
        # The page script shows times in the browser's zone unless the person chose one.
        request.time_zone_chosen = bool(chosen) and preferences.is_time_zone(chosen)
        zone = chosen or request.COOKIES.get("tz", "")
        if zone and preferences.is_time_zone(zone):
            timezone.activate(zone)
        else:
            timezone.deactivate()
        return self.get_response(request)
