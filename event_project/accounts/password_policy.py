"""The password policy: at least 8 characters with an uppercase letter, a digit and a special character.

A rejected password is told every rule it broke at once, not one per attempt.
"""

from django.core.exceptions import ValidationError

MIN_LENGTH = 8
RULES = (
    ("password_too_short", f"Password must be at least {MIN_LENGTH} characters long.", lambda p: len(p) >= MIN_LENGTH),
    ("password_no_upper", "Password must contain an uppercase letter.", lambda p: any(c.isupper() for c in p)),
    ("password_no_digit", "Password must contain a digit.", lambda p: any(c.isdigit() for c in p)),
    (
        "password_no_special",
        "Password must contain a special character (anything but letters, digits and spaces).",
        lambda p: any(not c.isalnum() and not c.isspace() for c in p),
    ),
)


def broken_rules(password: str) -> list[tuple[str, str]]:
    return [(code, message) for code, message, holds in RULES if not holds(password)]


class PasswordPolicyValidator:
    """Django AUTH_PASSWORD_VALIDATORS entry enforcing `RULES`."""

    def validate(self, password, user=None):
        failures = broken_rules(password)
        if failures:
            raise ValidationError([ValidationError(message, code=code) for code, message in failures])

    def get_help_text(self):
        return " ".join(message for _, message, _ in RULES)
