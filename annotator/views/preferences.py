"""The language switcher in the header and the preferences page (language, time zone)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from annotator.services import preferences as preference_services
from annotator.views._htmx import HtmxHttpRequest


def _next_url(request) -> str:
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or "/"
    if not url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return "/"
    return target


def _set_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


@login_not_required
@require_POST
def set_language(request: HtmxHttpRequest):
    """The header's switcher: a cookie for everyone, and the person's preference when
    signed in (so it follows them to another browser)."""
    language = request.POST.get("language", "")
    if not preference_services.is_language(language):
        return HttpResponse(
            _("Choose one of the languages offered: English or Spanish."),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    if request.user.is_authenticated:
        preference_services.preference_set(user=request.user, language=language)
        preference_services.remember_in_session(request.session, request.user)
    translation.activate(language)
    response = HttpResponseRedirect(_next_url(request))
    _set_cookie(response, language)
    return response


@require_http_methods(["GET", "POST"])
def preferences_page(request: HtmxHttpRequest):
    """Language and time zone, each "follow my browser" or a fixed choice."""
    pref = getattr(request.user, "preference", None)
    status = 200
    if request.method == "POST":
        language = request.POST.get("language", "")
        zone = request.POST.get("time_zone", "").strip()
        errors = []
        if language and not preference_services.is_language(language):
            errors.append(_("Choose one of the languages offered."))
        if zone and not preference_services.is_time_zone(zone):
            errors.append(
                _(
                    "“%(zone)s” is not a time zone we know; pick one from the list, e.g. "
                    "Europe/Madrid."
                )
                % {"zone": zone[:64]}
            )
        if not errors:
            pref = preference_services.preference_set(
                user=request.user, language=language, time_zone=zone
            )
            preference_services.remember_in_session(request.session, request.user)
            if language:
                translation.activate(language)
            messages.success(request, _("Preferences saved."))
            response = HttpResponseRedirect(request.path)
            if language:
                _set_cookie(response, language)
            return response
        for error in errors:
            messages.error(request, error)
        status = 400
    context = {
        "pref": pref,
        "languages": settings.LANGUAGES,
        "time_zones": sorted(preference_services.time_zones()),
    }
    return render(request, "annotator/preferences.html", context, status=status)
