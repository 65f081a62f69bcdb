"""`/admin/login/` under the same login limits as the API: counted per client network with API logins,
refused for a locked account (failures count through `user_login_failed`, as the API's do)."""

from django.contrib import admin
from django.http import JsonResponse
from eventhub_common.api_errors import error_body

from core.exceptions import RateLimited, ServiceUnavailable

from . import limits


def admin_login(request, **kwargs):
    if request.method == "POST":
        try:
            limits.check_login_attempt(request, request.POST.get("username", ""))
        except (RateLimited, ServiceUnavailable) as exc:
            response = JsonResponse(error_body(exc.status_code, exc.default_code, str(exc.detail)), status=exc.status_code)
            response["Retry-After"] = str(exc.retry_after)
            return response
    return admin.site.login(request, **kwargs)
