"""`/admin/login/` under the same login limits as the API: counted per client network with API logins,
refused for a locked account (failures count through `user_login_failed`, as the API's do)."""

from eventhub_common.rate_limits import limited_admin_login

from . import limits

admin_login = limited_admin_login(lambda request: limits.check_login_attempt(request, request.POST.get("username", "")))
