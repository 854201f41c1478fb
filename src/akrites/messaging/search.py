"""The blind search index: words are normalised, then only their keyed hashes are kept.

Hashes use the platform's index keyring (it survives master-key rotation) and are scoped
to the case, so the same word in two cases gives unrelated tokens and the index cannot link
cases. Matching is on whole words (after case-folding and NFKC).
"""

from __future__ import annotations

import re
import unicodedata

from akrites.cases.keys import index_keyring
from akrites.cases.models import Case
from akrites.crypto.sealing import keyed_hash
from akrites.domain.errors import InvalidInput

PURPOSE = "message-search"
MIN_WORD = 2
MAX_WORD = 64
MAX_QUERY_WORDS = 10
_WORD = re.compile(r"\w+")


def words(text: str) -> set[str]:
    """The distinct searchable words of ``text``: NFKC, case-folded, 2 to 64 characters."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return {w for w in _WORD.findall(folded) if MIN_WORD <= len(w) <= MAX_WORD}


def token_hash(case: Case, word: str) -> str:
    return keyed_hash(index_keyring(), PURPOSE, f"{case.number}\x00{word}")


def index_tokens(case: Case, text: str) -> set[str]:
    """What the index stores for a message body."""
    return {token_hash(case, w) for w in words(text)}


def query_tokens(case: Case, query: str) -> set[str]:
    """The tokens a search must all match; refuses queries with no searchable word."""
    found = words(query)
    if not found:
        raise InvalidInput(
            f"type at least one word of {MIN_WORD} or more letters or digits", field="q"
        )
    if len(found) > MAX_QUERY_WORDS:
        raise InvalidInput(
            f"search for at most {MAX_QUERY_WORDS} words at once, not {len(found)}", field="q"
        )
    return {token_hash(case, w) for w in found}
