"""Authentication by username or by email, both case-insensitive."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UsernameOrEmailBackend(ModelBackend):
    """`authenticate(request, username=..., password=...)` or with `email=...`."""

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        if password is None or (username is None and email is None):
            return None
        users = get_user_model().objects
        lookup = {"email_key": email.lower()} if email is not None else {"username_key": username.lower()}
        user = users.filter(**lookup).first()
        if user is None:
            # Hash anyway so that response time does not reveal whether the account exists.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
