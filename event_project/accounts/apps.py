"""User accounts, passwords and token issuing."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .selectors import forget_user

        post_save.connect(forget_user, sender=self.get_model("User"), dispatch_uid="accounts.forget_user.save")
        post_delete.connect(forget_user, sender=self.get_model("User"), dispatch_uid="accounts.forget_user.delete")
