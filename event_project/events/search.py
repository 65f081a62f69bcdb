"""Title search: case-insensitive word-prefix matching, answered from an index.

A title is stored with its distinct lower-cased words (`title_words`, one key
each in a multikey index). `?search=conf ber` matches events whose title has a
word starting with "conf" and one starting with "ber": each search word is a
range on one element of the array (the `has_element_startswith` lookup,
`{$elemMatch: {$gte: "conf", $lt: "cong"}}`), which MongoDB answers from the
index, unlike `icontains` (a regex that reads every document). Until issue 22
every prefix of every word was stored and indexed instead (about 12 keys for a
two-word title), which made each create cost the database more as the
collection grew (docs/performance.md, findings 37 and 38; decision 87).
"""

import re

import eventhub_common.mongo_lookups  # noqa: F401 - registers the `has_element_startswith` lookup

WORD = re.compile(r"\w+", re.UNICODE)
MAX_SEARCH_WORDS = 5


def words(text: str) -> list[str]:
    """The distinct lower-cased words of `text`, in order."""
    return list(dict.fromkeys(WORD.findall((text or "").lower())))


def title_words(title: str) -> list[str]:
    """What a title is stored and indexed with: its distinct lower-cased words."""
    return words(title)


def search_prefixes(term: str) -> list[str]:
    """The words of a search term, each a prefix some title word must start with; empty when it has none."""
    return words(term)[:MAX_SEARCH_WORDS]
