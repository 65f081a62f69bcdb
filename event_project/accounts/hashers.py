"""bcrypt password hashing with the cost taken from settings (BCRYPT_ROUNDS)."""

from django.conf import settings
from django.contrib.auth.hashers import BCryptSHA256PasswordHasher


class ConfigurableBCryptSHA256PasswordHasher(BCryptSHA256PasswordHasher):
    """Django's bcrypt hasher (SHA-256 pre-hash, so long passwords are not truncated at 72 bytes).

    Only the cost varies between environments; tests use fewer rounds of the same algorithm.
    """

    @property
    def rounds(self):
        return settings.BCRYPT_ROUNDS
