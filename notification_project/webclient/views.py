"""Serves the browser client's page with the event API's public URL filled in, under a Content Security
Policy: scripts, styles and everything else from this origin only, API calls to this origin and the event
API, WebSockets to this host, no framing, no plugins."""

from urllib.parse import urlsplit

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_GET


def content_security_policy(request) -> str:
    api = urlsplit(settings.EVENT_API_PUBLIC_URL)
    scheme = "wss" if request.is_secure() else "ws"
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        f"connect-src 'self' {api.scheme}://{api.netloc} {scheme}://{request.get_host()}",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


@require_GET
def client_page(request):
    response = render(request, "webclient/index.html", {"event_api_url": settings.EVENT_API_PUBLIC_URL})
    response["Content-Security-Policy"] = content_security_policy(request)
    return response
