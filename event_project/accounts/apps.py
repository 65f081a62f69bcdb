"""User accounts, passwords and token issuing."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from django.contrib.auth.signals import user_login_failed
        from django.db.models.signals import post_delete, post_save

        from .publishing import user_deleted, user_saved
        from .selectors import forget_user

        user = self.get_model("User")
        post_save.connect(forget_user, sender=user, dispatch_uid="accounts.forget_user.save")
        post_delete.connect(forget_user, sender=user, dispatch_uid="accounts.forget_user.delete")
        post_save.connect(user_saved, sender=user, dispatch_uid="accounts.publish_user_saved")
        post_delete.connect(user_deleted, sender=user, dispatch_uid="accounts.publish_user_deleted")
        user_login_failed.connect(count_login_failure, dispatch_uid="accounts.count_login_failure")


def count_login_failure(sender, credentials: dict, request=None, **kwargs):
    """Every failed password login, API or admin, counts against the account it named."""
    from .limits import record_login_failure

    record_login_failure(request, credentials.get("email") or credentials.get("username") or "")
