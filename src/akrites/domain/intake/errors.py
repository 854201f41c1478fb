"""Intake errors: every problem found in one submission, each naming its field.

The validators collect all problems before raising, so a reporter fixes a file in one round
rather than one error at a time. The first problem is also the error's own message and field,
for callers that show only one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Final

from akrites.domain.errors import InvalidInput

# Beyond this many, the rest are counted, not listed: a file with 10,000 bad results must not
# produce a 10,000-line answer.
MAX_REPORTED_ERRORS: Final = 100
ROOT: Final = "$"


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem. ``field`` is a path such as ``affected[0].purl`` (``$`` for the whole
    document); ``line`` is the line of a JSON Lines file, when there is one."""

    field: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.field}: {self.message}"


class IntakeError(InvalidInput):
    """A submission was rejected; ``errors`` lists every problem found (at least one)."""

    code = "invalid_report"

    def __init__(self, errors: Iterable[FieldError], *, omitted: int = 0) -> None:
        collected = tuple(errors)
        if not collected:
            collected = (FieldError(ROOT, "was rejected for an unstated reason"),)
        extra = max(0, len(collected) - MAX_REPORTED_ERRORS)
        self.errors: tuple[FieldError, ...] = collected[:MAX_REPORTED_ERRORS]
        self.omitted = omitted + extra
        first = self.errors[0]
        super().__init__(first.message, field=first.field)
        self.line = first.line

    @classmethod
    def single(cls, field: str, message: str) -> IntakeError:
        return cls([FieldError(field, message)])

    def __str__(self) -> str:
        lines = [str(error) for error in self.errors]
        if self.omitted:
            lines.append(f"... and {self.omitted} more problems")
        return "\n".join(lines)

    def rewritten(self, rename: Callable[[FieldError], FieldError]) -> IntakeError:
        """The same error with every FieldError passed through ``rename``."""
        return IntakeError([rename(error) for error in self.errors], omitted=self.omitted)

    def at_line(self, line: int) -> IntakeError:
        return self.rewritten(lambda error: replace(error, line=line))


def join_path(base: str, child: str) -> str:
    """``join_path("runs[0]", "results[2]")`` -> ``runs[0].results[2]``; the root is elided."""
    if base in {"", ROOT}:
        return child or ROOT
    if child in {"", ROOT}:
        return base
    return f"{base}{child}" if child.startswith("[") else f"{base}.{child}"


def path_of(parts: Iterable[str | int]) -> str:
    """A field path from JSON path parts: ``("affected", 0, "purl")`` -> ``affected[0].purl``."""
    text = ""
    for part in parts:
        text = join_path(text, f"[{part}]" if isinstance(part, int) else part)
    return text or ROOT
