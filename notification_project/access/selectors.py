"""Whether a user's tokens are refused."""

from .models import RevokedUser


def is_revoked(user_id: str) -> bool:
    return RevokedUser.objects.filter(user_id=user_id).exists()
