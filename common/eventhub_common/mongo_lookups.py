"""Query lookups for django-mongodb-backend that mongod answers from an index (where SecantusDB does not, for
`has_element_startswith` on the Python server, docs/mongodb-compat.md says so)."""

from django.db import models
from django_mongodb_backend.fields import ArrayField

MAX_CODE_POINT = 0x10FFFF
SURROGATES = range(0xD800, 0xE000)  # not characters: BSON strings are UTF-8 and cannot hold them


class HasElement(models.Lookup):
    """`tags__has_element="jazz"`: the array holds this element.

    Emits `{tags: "jazz"}`, which every MongoDB server answers from the
    multikey index; Django's `tags__contains=["jazz"]` emits `$all`, which
    SecantusDB answers with a collection scan (docs/mongodb-compat.md).
    """

    lookup_name = "has_element"

    def get_prep_lookup(self):
        return self.rhs

    def as_mql(self, compiler, connection, as_expr=False):
        if as_expr:
            raise NotImplementedError("has_element cannot be used inside an expression")
        return {self.lhs.target.column: self.rhs}


class HasElementStartswith(models.Lookup):
    """`title_words__has_element_startswith="pyc"`: some element of the array starts with this prefix.

    Emits `{title_words: {$elemMatch: {$gte: "pyc", $lt: "pyd"}}}`, one range of
    the multikey index on mongod. Both bounds must hold for the same element: a
    plain `{title_words: {$gte: "pyc", $lt: "pyd"}}` on an array is met by two
    different elements (`["aaa", "zzz"]` matches it). Strings compare by code
    point on both sides (BSON's UTF-8 bytes sort in code-point order).
    """

    lookup_name = "has_element_startswith"

    def get_prep_lookup(self):
        return self.rhs

    def as_mql(self, compiler, connection, as_expr=False):
        if as_expr:
            raise NotImplementedError("has_element_startswith cannot be used inside an expression")
        element = {"$gte": self.rhs}
        upper = prefix_upper_bound(self.rhs)
        if upper is not None:
            element["$lt"] = upper
        return {self.lhs.target.column: {"$elemMatch": element}}


def prefix_upper_bound(prefix: str) -> str | None:
    """The least string above every string that starts with `prefix`; None when there is none (every character
    is the highest code point, or the prefix is empty): then `$gte` alone is the range."""
    for end in range(len(prefix), 0, -1):
        code = ord(prefix[end - 1]) + 1
        if code in SURROGATES:
            code = SURROGATES.stop
        if code <= MAX_CODE_POINT:
            return prefix[: end - 1] + chr(code)
    return None


ArrayField.register_lookup(HasElement)
ArrayField.register_lookup(HasElementStartswith)
