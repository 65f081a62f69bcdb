"""Event and user ids are 24-character hex ObjectIds in every contract."""

import re

OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")


def is_object_id(value) -> bool:
    return isinstance(value, str) and bool(OBJECT_ID.match(value))
