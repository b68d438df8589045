"""Mentions of the signed-in person, and a person's page."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from annotator import services
from annotator.models import Mention
from annotator.selectors import discussion as selectors
from annotator.views._htmx import HtmxHttpRequest


@require_GET
def mention_list(request: HtmxHttpRequest):
    entries = selectors.mention_entries(request.user)
    unread = sum(1 for entry in entries if not entry.mention.is_read)
    return render(request, "annotator/mentions.html", {"mentions": entries, "unread": unread})


@require_POST
def mentions_mark_read(request: HtmxHttpRequest):
    """Mark one mention read and open its thread, or mark them all read."""
    mention_id = request.POST.get("mention", "")
    if mention_id.isdigit():
        mention = get_object_or_404(
            Mention.objects.select_related("comment"), pk=int(mention_id), user=request.user
        )
        services.mentions_mark_read(user=request.user, mention_ids=[mention.pk])
        thread = reverse("annotator:annotation_thread", args=[mention.comment.annotation_id])
        return redirect(f"{thread}#comment-{mention.comment_id}")
    count = services.mentions_mark_read(user=request.user)
    messages.success(
        request,
        ngettext("Marked %(count)s mention as read.", "Marked %(count)s mentions as read.", count)
        % {"count": count},
    )
    return redirect("annotator:mention_list")


@require_GET
def person_names(request: HtmxHttpRequest):
    """The user names that start with `q` (any case), for completing `@name` while
    typing a comment: {"names": [...], "exact": bool (someone is called exactly q)}."""
    prefix = request.GET.get("q", "").strip().lstrip("@")
    names = selectors.usernames_starting(prefix)
    exact = any(name.lower() == prefix.lower() for name in names)
    return JsonResponse({"names": names, "exact": exact})


@require_GET
def person_detail(request: HtmxHttpRequest, username: str):
    person = get_object_or_404(get_user_model(), username=username, is_active=True)
    return render(request, "annotator/person_detail.html", selectors.person_context(person))
