"""User access changes as outbox messages (`user.deactivated`, `user.reactivated`, `user.deleted`), so the
notification service, which has no user table, refuses the user's tokens and closes their sockets.
Called from the User model's signals, in the change's transaction when there is one."""

from eventhub_common.messages import USER_DEACTIVATED, USER_DELETED, USER_REACTIVATED, build_message

from outbox.services import enqueue


def _enqueue(user, message_type: str) -> None:
    ref = {"id": str(user.pk), "username": user.username}
    enqueue(build_message(message_type, actor=ref, data=ref))


def user_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """A change of `is_active` since the user was loaded is published; then it counts as loaded again."""
    was_active = getattr(instance, "loaded_is_active", None)
    instance.loaded_is_active = instance.is_active
    if raw or created or was_active is None or was_active == instance.is_active:
        return
    _enqueue(instance, USER_REACTIVATED if instance.is_active else USER_DEACTIVATED)


def user_deleted(sender, instance, **kwargs) -> None:
    _enqueue(instance, USER_DELETED)
