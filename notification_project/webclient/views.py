"""Serves the browser client's page with the event API's public URL filled in."""

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def client_page(request):
    return render(request, "webclient/index.html", {"event_api_url": settings.EVENT_API_PUBLIC_URL})
