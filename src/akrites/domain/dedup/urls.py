"""Reference URLs, reduced to what they identify.

Two databases link the same fix as `https://github.com/o/r/commit/4469d1d42b...` and
`github.com/O/R/commit/4469d1d`, the same bounty on two hosts, the same pull request with
and without `/files`. `parse_reference` maps each URL to a `Ref` whose `key` is equal for
such spellings, and whose `kind` says how specific the link is: a commit, change or issue
names one piece of work; a release or a plain page (release notes, a mailing-list post, a
distribution advisory) often covers several flaws at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qsl


class RefKind(StrEnum):
    COMMIT = "commit"  # a fix commit
    CHANGE = "change"  # a pull/merge request or code review
    ISSUE = "issue"  # an issue, bug, ticket, bounty or repository advisory
    RELEASE = "release"  # a release or tag: usually ships several fixes
    PAGE = "page"  # anything else


# Kinds that name one piece of work: sharing one is strong evidence; fixes that differ
# within one repository argue for distinct flaws.
SPECIFIC_KINDS = frozenset({RefKind.COMMIT, RefKind.CHANGE, RefKind.ISSUE})


@dataclass(frozen=True, slots=True)
class Ref:
    kind: RefKind
    key: str  # equal for spellings of the same thing
    repo: str  # `host/owner/repo` of a forge, or ""
    url: str  # as written: for explanations only


COMMIT_ABBREV = 7  # git's default abbreviation: the length both spellings share
_HEX = re.compile(r"^[0-9a-f]{7,40}$")
_FULL_HEX = re.compile(r"^[0-9a-f]{40}$")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_NUMBER = re.compile(r"^[0-9]+$")
_TICKET_WORDS = frozenset(
    {"bug", "bugs", "+bug", "issue", "issues", "ticket", "tickets", "reports", "report",
     "show_bug.cgi", "bugreport.cgi", "browse", "vulnerabilities", "vuln", "bounties"}
)  # fmt: skip
_TICKET_PARAMS = ("id", "bug", "ticket", "issue")
_FORGE_HOSTS = frozenset(
    {"github.com", "gitlab.com", "bitbucket.org", "gitee.com", "codeberg.org", "git.sr.ht"}
)
_NOT_REPO_OWNERS = frozenset({"orgs", "sponsors", "topics", "advisories", "marketplace"})
_TRACKING_PARAM = re.compile(r"^(utm_|ref$|source$)")


def commit_key(sha: str) -> str:
    return "commit:" + sha.lower()[:COMMIT_ABBREV]


def looks_like_commit(word: str) -> bool:
    """A 7-40 hex word with both a digit and a letter (so not a year, not `deadbeef`... mostly)."""
    lowered = word.lower()
    return (
        bool(_HEX.match(lowered))
        and any(c.isdigit() for c in lowered)
        and any(c.isalpha() for c in lowered)
    )


def parse_reference(url: str) -> Ref | None:
    """The `Ref` a URL identifies, or None when it is not a usable http(s) URL."""
    raw = url.strip()
    scheme, separator, rest = raw.partition("://")
    if not separator:
        if raw.startswith(("mailto:", "javascript:")) or "." not in raw.split("/", 1)[0]:
            return None
        scheme, rest = "https", raw
    if scheme.lower() not in {"http", "https"}:
        return None
    # Split by hand: urllib's general parser costs more than the rest of this function.
    rest = rest.partition("#")[0]
    rest, _, query_text = rest.partition("?")
    authority, _, path_text = rest.partition("/")
    host = authority.rpartition("@")[2].partition(":")[0].lower().removeprefix("www.")
    if not host or "." not in host:
        return None
    path = [segment for segment in path_text.split("/") if segment]
    query = (
        [(k.lower(), v) for k, v in parse_qsl(query_text) if not _TRACKING_PARAM.match(k)]
        if query_text
        else []
    )
    if host in _FORGE_HOSTS:
        forge = _forge_ref(host, path, url)
        if forge is not None:
            return forge
    return _generic_ref(host, [segment.lower() for segment in path], query, url)


def _generic_ref(host: str, lowered_path: list[str], query: list[tuple[str, str]], url: str) -> Ref:
    if (uuid := _UUID.search("/".join(lowered_path))) is not None:
        return Ref(RefKind.ISSUE, "uuid:" + uuid.group(0), "", url)
    for segment in lowered_path:
        if _FULL_HEX.match(segment):
            return Ref(RefKind.COMMIT, commit_key(segment), "", url)
    for key, value in query:
        if key in {"h", "id", "commit"} and _FULL_HEX.match(value.lower()):
            return Ref(RefKind.COMMIT, commit_key(value), "", url)
    ticket = _ticket_key(host, lowered_path, query)
    if ticket is not None:
        return Ref(RefKind.ISSUE, ticket, "", url)
    query_text = "&".join(f"{k}={v.lower()}" for k, v in sorted(query))
    page = host + "/" + "/".join(lowered_path)
    if query_text:
        page += "?" + query_text
    return Ref(RefKind.PAGE, "page:" + page.removesuffix(".html"), "", url)


def _ticket_key(host: str, path: list[str], query: list[tuple[str, str]]) -> str | None:
    # A numeric id under a tracker-looking path, or in an id= parameter of a tracker script.
    if path and any(segment in _TICKET_WORDS for segment in path):
        for key, value in query:
            if key in _TICKET_PARAMS and _NUMBER.match(value):
                return f"ticket:{host}#{value}"
        tail = path[-1]
        if _NUMBER.match(tail) or re.match(r"^[a-z][a-z0-9]*-[0-9]+$", tail):
            return f"ticket:{host}/{'/'.join(path[:-1])}#{tail}"
    if host.startswith("bugs.") and path and _NUMBER.match(path[-1]):
        return f"ticket:{host}#{path[-1]}"
    return None


def _forge_ref(host: str, path: list[str], url: str) -> Ref | None:
    if len(path) < 2 or path[0].lower() in _NOT_REPO_OWNERS:
        return None
    # GitLab nests groups: everything before the `-` separator is the project path.
    if "-" in path:
        cut = path.index("-")
        project, rest = path[:cut], path[cut + 1 :]
    else:
        project, rest = path[:2], path[2:]
    repo = host + "/" + "/".join(segment.lower() for segment in project).removesuffix(".git")
    head = rest[0].lower() if rest else ""
    arg = rest[1] if len(rest) > 1 else ""
    if head in {"commit", "commits"} and looks_like_commit(arg):
        return Ref(RefKind.COMMIT, commit_key(arg), repo, url)
    if head in {"pull", "pulls", "merge_requests", "pull-requests"} and arg.isdigit():
        if len(rest) > 3 and rest[2] == "commits" and looks_like_commit(rest[3]):
            return Ref(RefKind.COMMIT, commit_key(rest[3]), repo, url)
        return Ref(RefKind.CHANGE, f"change:{repo}#{int(arg)}", repo, url)
    if head == "issues" and arg.isdigit():
        return Ref(RefKind.ISSUE, f"issue:{repo}#{int(arg)}", repo, url)
    if head == "security" and arg == "advisories" and len(rest) > 2:
        return Ref(RefKind.ISSUE, f"advisory:{repo}/{rest[2].lower()}", repo, url)
    if head == "releases" and arg:
        tag = rest[2] if arg == "tag" and len(rest) > 2 else arg
        return Ref(RefKind.RELEASE, f"release:{repo}@{_tag(tag)}", repo, url)
    if head in {"compare", "tags"} and arg:
        return Ref(RefKind.RELEASE, f"release:{repo}@{_tag(arg)}", repo, url)
    if head in {"blob", "tree", "raw", "src"} and len(rest) > 2:
        # A file at some revision: the revision varies between spellings, the file does not.
        file_path = "/".join(segment.lower() for segment in rest[2:])
        return Ref(RefKind.PAGE, f"file:{repo}/{file_path}", repo, url)
    if not head or head in {"tree", "wiki", "blob"}:
        return Ref(RefKind.PAGE, f"page:{repo}", repo, url)
    tail = "/".join(segment.lower() for segment in rest)
    return Ref(RefKind.PAGE, f"page:{repo}/{tail}", repo, url)


def _tag(tag: str) -> str:
    lowered = tag.lower()
    if "..." in lowered:  # compare/v1.0...v1.1: the newer end is the release
        lowered = lowered.rsplit("...", 1)[1]
    return lowered.removeprefix("v")


_URL_IN_TEXT = re.compile(r"https?://[^\s)\]>\"'`]+")


def urls_in_text(text: str) -> list[str]:
    """URLs written in free text, without trailing punctuation."""
    return [match.rstrip(".,;:") for match in _URL_IN_TEXT.findall(text)]


def strip_urls(text: str) -> str:
    return _URL_IN_TEXT.sub(" ", text)
