"""The session logins, `/admin/login/` and the browsable API's `/api-auth/login/`, under the same login
limits as the API: counted per client network with API logins, refused for a locked account (failures
count through `user_login_failed`, as the API's do)."""

from django.contrib.auth.views import LoginView
from eventhub_common.rate_limits import limited_admin_login, limited_login

from . import limits


def check_session_login(request) -> None:
    limits.check_login_attempt(request, request.POST.get("username", ""))


admin_login = limited_admin_login(check_session_login)
browsable_api_login = limited_login(LoginView.as_view(template_name="rest_framework/login.html"), check_session_login)
