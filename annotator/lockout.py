"""Sign-in lockouts (django-axes, counted in the database: shared by every server
process and kept over restarts).

Failures count per (user name, address): after AXES_FAILURE_LIMIT of them that pair
waits AXES_COOLOFF_TIME (10, 15 minutes). An address also has a looser limit over all user names
(SIGNIN_ADDRESS_FAILURES_ALLOWED), so one address cannot guess many users' passwords,
while a person behind the same address as a guesser can still sign in. Both apply to
the sign-in page and to POST /api/token/, which answers JSON.
"""

import contextlib
import ipaddress

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db import connection, transaction
from django.db.models import Sum
from django.forms.utils import ErrorDict
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone


def client_address(request) -> str:
    """AXES_CLIENT_IP_CALLABLE: the address a request came from. Behind a proxy
    (DJANGO_BEHIND_PROXY) that is the last address the proxy added to X-Forwarded-For,
    not its own, or every person would share one count."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        try:
            return str(ipaddress.ip_address(forwarded))
        except ValueError:
            pass  # not set by a proxy: the connection's own address
    return request.META.get("REMOTE_ADDR", "")


def _address_failures(address: str | None) -> int:
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    total = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return total or 0


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler plus the looser limit per address."""

    def is_locked(self, request, credentials=None) -> bool:
        if super().is_locked(request, credentials):
            return True
        address = getattr(request, "axes_ip_address", None)
        return _address_failures(address) >= settings.SIGNIN_ADDRESS_FAILURES_ALLOWED


@contextlib.contextmanager
def one_try_at_a_time(request, username: str):
    """Check one password for this (user name, address) pair at a time, across every
    process: the lockout check, the password check and the count of the failure then
    happen in turn, so at most AXES_FAILURE_LIMIT are ever checked, however many
    tries arrive at once. Other pairs are not held up (a PostgreSQL advisory lock per
    pair; SQLite serialises writers anyway)."""
    address = client_address(request)
    with one_at_a_time(f"signin:{username.strip()}:{address}"):
        yield


@contextlib.contextmanager
def one_at_a_time(key: str):
    """A transaction that holds, until it ends, a lock that only the same `key` waits
    for, in every process (PostgreSQL: an advisory lock; SQLite: its one writer)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])
        yield


def lockout_message(request, credentials) -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    address = getattr(request, "axes_ip_address", None)
    if _address_failures(address) >= settings.SIGNIN_ADDRESS_FAILURES_ALLOWED:
        return f"Too many failed sign-ins from your address. Wait {minutes} minutes."
    return (
        f"Too many failed sign-ins for this user name. Wait {minutes} minutes, "
        "or ask an admin to reset your password."
    )


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: 429 with a sentence, as JSON under /api/, else the
    sign-in page again."""
    message = lockout_message(request, credentials)
    retry_after = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "code": "locked_out"}, status=429)
    else:
        form = AuthenticationForm(request)  # unbound: checking it would count a failure
        form.cleaned_data = {}
        form._errors = ErrorDict()
        form.add_error(None, message)
        username = get_client_username(request, credentials) or ""
        form.fields["username"].initial = username
        context = {"form": form, "next": request.POST.get("next", "")}
        response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = retry_after
    return response
