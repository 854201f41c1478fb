"""Who takes part in a case, in which role. Need-to-know is per person: an organisation is
invited in a role, and its administrator chooses which of its people are read in."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from akrites.domain.permissions import OrgKind


class CaseRole(StrEnum):
    COORDINATOR = "coordinator"
    REPORTER = "reporter"
    MAINTAINER = "maintainer"
    VENDOR = "vendor"
    OPERATOR = "operator"
    OBSERVER = "observer"


# Which organisation kinds may be invited in which case role.
ROLE_ORG_KINDS: Mapping[CaseRole, frozenset[OrgKind]] = {
    CaseRole.COORDINATOR: frozenset({OrgKind.SIRT}),
    CaseRole.REPORTER: frozenset(set(OrgKind) - {OrgKind.SIRT}),
    CaseRole.MAINTAINER: frozenset({OrgKind.MAINTAINER}),
    CaseRole.VENDOR: frozenset({OrgKind.VENDOR, OrgKind.DISTRIBUTOR}),
    CaseRole.OPERATOR: frozenset({OrgKind.OPERATOR}),
    CaseRole.OBSERVER: frozenset({OrgKind.GOVERNMENT, OrgKind.SIRT}),
}

# Downstream roles: reading them in shortens the embargo cap (see domain.embargo).
DOWNSTREAM_ROLES: frozenset[CaseRole] = frozenset({CaseRole.VENDOR, CaseRole.OPERATOR})


def role_fits(role: CaseRole, kind: OrgKind) -> bool:
    return kind in ROLE_ORG_KINDS[role]
