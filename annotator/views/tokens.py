"""API tokens page: the signed-in person's tokens, a new one (shown once), revoke."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from annotator.models import ApiToken
from annotator.services import tokens as token_services
from annotator.views._htmx import HtmxHttpRequest


@require_http_methods(["GET", "POST"])
def token_list(request: HtmxHttpRequest):
    new_key = None
    if request.method == "POST":
        if request.POST.get("action") == "create":
            _token, new_key = token_services.token_create(user=request.user)
        else:
            token_id = request.POST.get("token", "")
            token = get_object_or_404(
                ApiToken, pk=int(token_id) if token_id.isdigit() else 0, user=request.user
            )
            token_services.token_revoke(token=token, actor=request.user)
            messages.success(
                request, _("Revoked the token starting %(prefix)s.") % {"prefix": token.prefix}
            )
            return redirect("token_list")
    context = {"tokens": token_services.token_list(user=request.user), "new_key": new_key}
    return render(request, "annotator/token_list.html", context)
