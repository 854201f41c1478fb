"""Free text, reduced to comparable features: word shingles, code identifiers, content words.

Databases often copy the same upstream description, so word 3-shingles (copy detection)
compare better than bag-of-words similarity, which cannot tell two templated descriptions
of different flaws apart. What tells those apart are the few code identifiers each one
names (`tf.raw_ops.MatrixDiagV` vs `tf.raw_ops.MatrixSetDiagV`, `kssdevel.py` vs
`widget_traversal.py`), so identifiers are extracted separately.
"""

from __future__ import annotations

import re

from akrites.domain.dedup.urls import strip_urls

SHINGLE_SIZE = 3
MAX_SHINGLES = 256  # the first 256 distinct shingles: enough to recognise a copy
_WORD = re.compile(r"[a-z0-9]+")
_PLACEHOLDER = re.compile(r"\[id\]", re.IGNORECASE)
_BACKTICKED = re.compile(r"`([^`\n]{2,80})`")
# A whole token shaped like code: a name, or names joined by `.`, `::`, `->` or `#`.
_CODE_TOKEN = re.compile(r"[A-Za-z_$][\w$]*(?:(?:\.|::|->|#)[A-Za-z_$][\w$]*)*")
_CAMEL = re.compile(r"[a-z][A-Z]")
_CODE_MARK = re.compile(r"[_.(:>]")
_TOKEN_EDGES = ".,;:'\"()[]{}<>*`!?"
_FILE_EXTENSIONS = frozenset(
    {"py", "js", "mjs", "ts", "tsx", "jsx", "go", "rb", "php", "rs", "java", "kt", "scala",
     "c", "cc", "cpp", "h", "hpp", "cs", "swift", "json", "yaml", "yml", "xml", "html", "htm",
     "sh", "cfg", "ini", "toml", "erb", "vue", "pl", "lua", "sql", "proto", "tmpl", "pyx"}
)  # fmt: skip
# Dotted words that are prose, hosts or product names rather than code.
_NOT_CODE_SUFFIXES = frozenset(
    {"com", "org", "net", "io", "dev", "js", "app", "html", "md", "txt", "x", "e", "g"}
)  # fmt: skip
_CONTENT_WORD = re.compile(r"[a-z][a-z0-9_]*")
# Function words and the vocabulary every advisory uses: they say nothing about which flaw.
STOP_WORDS = frozenset(
    {"a", "an", "the", "and", "or", "nor", "of", "to", "in", "on", "for", "with", "by", "from",
     "as", "at", "is", "are", "was", "were", "be", "been", "being", "this", "that", "these",
     "those", "it", "its", "via", "which", "who", "whom", "whose", "what", "when", "where",
     "while", "than", "then", "there", "their", "they", "them", "can", "could", "may", "might",
     "will", "would", "should", "must", "shall", "not", "no", "yes", "if", "but", "also",
     "any", "all", "some", "such", "other", "another", "into", "onto", "over", "under",
     "before", "after", "prior", "through", "up", "down", "out", "about", "more", "most",
     "less", "least", "only", "both", "each", "either", "neither", "same", "very", "just",
     "version", "versions", "affected", "affects", "affecting", "issue", "issues",
     "vulnerability", "vulnerabilities", "vulnerable", "allows", "allow", "allowed",
     "allowing", "attacker", "attackers", "remote", "user", "users", "using", "use", "used",
     "does", "did", "do", "done", "has", "have", "had", "because", "due", "fixed", "fix",
     "fixes", "patched", "patch", "patches", "upgrade", "upgrading", "release", "released",
     "releases", "package", "packages", "library", "project", "exists", "exist", "earlier",
     "later", "older", "newer", "lead", "leads", "leading", "result", "results", "resulting",
     "cause", "causes", "caused", "possible", "potentially", "potential", "arbitrary",
     "malicious", "specially", "crafted", "certain", "unspecified", "vectors", "impact",
     "summary", "details", "description", "note"}
)  # fmt: skip


MAX_TEXT = 4000  # characters read: what identifies a flaw comes first, long tails cost time


def clean(text: str) -> str:
    """The start of the text, with URLs and masked-id placeholders removed."""
    return _PLACEHOLDER.sub(" ", strip_urls(text[:MAX_TEXT]))


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def shingles(text: str) -> list[str]:
    """Distinct word 3-shingles in order of first appearance (whole text when shorter)."""
    tokens = words(text)
    if len(tokens) < SHINGLE_SIZE:
        return [" ".join(tokens)] if tokens else []
    # Enough triples for MAX_SHINGLES distinct ones in all but very repetitive texts.
    head = tokens[: 2 * MAX_SHINGLES + SHINGLE_SIZE]
    triples = map(" ".join, zip(head, head[1:], head[2:], strict=False))
    return list(dict.fromkeys(triples))[:MAX_SHINGLES]


def identifiers(text: str) -> set[str]:
    """Code identifiers named in the text, lower-cased: functions, options, classes, files.

    A dotted name also yields its last component, so `paddle.audio.get_window` and
    `get_window` meet.
    """
    found: set[str] = set()
    for span in _BACKTICKED.findall(text):
        for token in span.split():
            _add_identifier(found, token, is_code=True)
    for raw in text.split():
        if _CODE_MARK.search(raw) is None and (raw.islower() or raw.istitle() or raw.isupper()):
            continue  # a plain prose word: the common case, decided cheaply
        token = raw.strip(_TOKEN_EDGES)
        code_like = (
            _CODE_MARK.search(token) is not None or "()" in raw or _CAMEL.search(token) is not None
        )
        if len(token) >= 3 and code_like and _CODE_TOKEN.fullmatch(token):
            _add_identifier(found, token, is_code=True)
    return found


def _add_identifier(found: set[str], token: str, *, is_code: bool) -> None:
    name = token.strip(".,;:'\"()[]{}<>*").removesuffix("()").lower()
    if len(name) < 3 or not any(c.isalpha() for c in name):
        return
    parts = re.split(r"\.|::|->|#|/", name)
    last = parts[-1]
    if len(parts) > 1:
        if last in _FILE_EXTENSIONS:
            found.add(name)  # a file name: keep it whole
            return
        if last in _NOT_CODE_SUFFIXES or all(len(p) <= 2 for p in parts):
            return
        found.add(name)
        if len(last) >= 3 and _is_code_word(last):
            found.add(last)
        return
    if is_code or _is_code_word(name):
        found.add(name)


def _is_code_word(word: str) -> bool:
    return "_" in word.strip("_") or word.endswith("()") or word.startswith("__")


def content_words(text: str) -> set[str]:
    """Distinct words that carry meaning: no function words, no numbers, no advisory jargon."""
    return {
        word
        for word in _CONTENT_WORD.findall(text.lower())
        if len(word) >= 3 and word not in STOP_WORDS
    }
