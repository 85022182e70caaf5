"""Your notification settings: the emails a person can do without, turned on or off."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sourcing.access import signed_in_user
from sourcing.notifications import (
    notification_settings_save,
    notifications_off,
    optional_kinds,
)


def notification_settings(request: HttpRequest) -> HttpResponse:
    """GET: each optional email with a checkbox (ticked: sent). POST: the ticked ones are sent,
    the others turned off; kinds that are not this person's to choose are ignored. Emails that
    ask them to act are listed as always sent."""
    user = signed_in_user(request)
    kinds = optional_kinds(user)
    if request.method == "POST":
        wanted = set(request.POST.getlist("send"))
        notification_settings_save(user=user, off=[k for k in kinds if k.value not in wanted])
        messages.success(request, "Your notification settings are saved")
        return redirect("notification_settings")
    off = notifications_off(user)
    context = {
        "choices": [{"kind": k, "on": k.value not in off} for k in kinds],
        "email": user.email,
    }
    return render(request, "sourcing/notification_settings.html", context)
