"""Title search: case-insensitive word-prefix matching, answered from an index.

A title is stored with every prefix of each of its lower-cased words
(`title_prefixes`, capped at MAX_PREFIX characters). `?search=conf ber`
matches events whose title has a word starting with "conf" and one starting
with "ber", as equality matches on a multikey index: an index lookup on any
MongoDB server, unlike `icontains` (a regex that reads every document).
"""

import re

import eventhub_common.mongo_lookups  # noqa: F401 - registers the `has_element` lookup

WORD = re.compile(r"\w+", re.UNICODE)
MAX_PREFIX = 30
MAX_SEARCH_WORDS = 5


def words(text: str) -> list[str]:
    """The distinct lower-cased words of `text`, in order."""
    return list(dict.fromkeys(WORD.findall((text or "").lower())))


def title_prefixes(title: str) -> list[str]:
    """Every prefix (1..MAX_PREFIX characters) of every word of `title`."""
    prefixes: dict[str, None] = {}
    for word in words(title):
        for end in range(1, min(len(word), MAX_PREFIX) + 1):
            prefixes.setdefault(word[:end], None)
    return list(prefixes)


def search_prefixes(term: str) -> list[str]:
    """The words of a search term as stored prefixes; empty when it has none."""
    return [word[:MAX_PREFIX] for word in words(term)[:MAX_SEARCH_WORDS]]
