"""Title search: case-insensitive word-prefix matching served by a multikey index.

A title is stored with the lower-cased list of its words; `?search=conf ber`
matches events whose title has a word starting with "conf" and one starting
with "ber". An anchored regex on an indexed array is an index range scan in
MongoDB, unlike a free `icontains`, which reads every document.
"""

import re

from django.db import models
from django_mongodb_backend.fields import ArrayField

WORD = re.compile(r"\w+", re.UNICODE)
MAX_SEARCH_WORDS = 5


def title_words(title: str) -> list[str]:
    """The distinct lower-cased words of `title`, in order."""
    return list(dict.fromkeys(WORD.findall((title or "").lower())))


def search_prefixes(term: str) -> list[str]:
    """The words of a search term, lower-cased; empty when it has none."""
    return title_words(term)[:MAX_SEARCH_WORDS]


class HasWordPrefixes(models.Lookup):
    """`title_words__has_word_prefixes=["conf", "ber"]`: every prefix starts some element."""

    lookup_name = "has_word_prefixes"

    def get_prep_lookup(self):
        return list(self.rhs)

    def as_mql(self, compiler, connection, as_expr=False):
        if as_expr:
            raise NotImplementedError("has_word_prefixes cannot be used inside an expression")
        patterns = [{"$regex": "^" + re.escape(prefix)} for prefix in self.rhs]
        column = self.lhs.target.column
        if len(patterns) == 1:
            return {column: patterns[0]}
        return {"$and": [{column: pattern} for pattern in patterns]}


ArrayField.register_lookup(HasWordPrefixes)
