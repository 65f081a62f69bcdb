"""DRF authentication for the event service: a verified access token whose user exists and is active.

Token verification is `eventhub_common`'s, shared with the notification service.
"""

from eventhub_common.bearer_auth import BearerTokenAuthentication
from rest_framework import exceptions

from accounts.selectors import active_user


class AccessTokenAuthentication(BearerTokenAuthentication):
    """`Authorization: Bearer <access token>`; the token's user must exist and be active."""

    def user_for(self, claims):
        user = active_user(claims.user_id)
        if user is None:
            raise exceptions.AuthenticationFailed("The token's user no longer exists.", "user_not_found")
        return user
