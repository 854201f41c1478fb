"""The reporter's CVSS vectors: the prefix must match the declared type, the vector must parse
(with the ``cvss`` library), and the score and rating are computed, never taken on trust."""

from __future__ import annotations

from typing import Any, Final

from cvss import CVSS3, CVSS4
from cvss.exceptions import CVSSError

from akrites.domain.intake.errors import FieldError
from akrites.domain.intake.model import Rating, Severity, SeverityType

_PREFIXES: Final = {
    SeverityType.CVSS_V3: ("CVSS:3.0/", "CVSS:3.1/"),
    SeverityType.CVSS_V4: ("CVSS:4.0/",),
}
_EXAMPLES: Final = {
    SeverityType.CVSS_V3: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    SeverityType.CVSS_V4: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
}


def parse_severity(type_: SeverityType, vector: str, field: str) -> Severity | FieldError:
    """A Severity for ``vector`` of ``type_``, or the FieldError saying what is wrong.

    ``field`` names the vector (such as ``severity[0].vector``).
    """
    text = vector.strip()
    prefixes = _PREFIXES[type_]
    if not text.startswith(prefixes):
        declared = text.split("/", 1)[0] if text.startswith("CVSS:") else None
        found = f"it starts with {declared!r}" if declared else "it has no CVSS:<version>/ prefix"
        return FieldError(
            field,
            f"a {type_.value} vector must start with {' or '.join(prefixes)}; {found} "
            f"(example: {_EXAMPLES[type_]})",
        )
    try:
        if type_ is SeverityType.CVSS_V3:
            parsed: Any = CVSS3(text)
            score, rating = parsed.scores()[0], parsed.severities()[0]
        else:
            parsed = CVSS4(text)
            score, rating = parsed.base_score, parsed.severity
    except CVSSError as error:
        return FieldError(field, f"is not a valid {type_.value} vector: {error}")
    return Severity(
        type=type_,
        vector=str(parsed.clean_vector()),
        base_score=float(score),
        rating=Rating(str(rating).lower()),
    )
