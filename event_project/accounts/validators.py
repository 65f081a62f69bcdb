"""Field rules of the registration spec."""

from django.core.validators import RegexValidator

USERNAME_PATTERN = r"^[A-Za-z0-9_]{3,50}$"

validate_username = RegexValidator(
    USERNAME_PATTERN,
    "Username must be 3-50 characters: letters, digits and underscores only.",
    code="invalid_username",
)
