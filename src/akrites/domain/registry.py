"""Vocabularies of the component registry."""

from __future__ import annotations

from enum import StrEnum


class Sector(StrEnum):
    TELECOM = "telecom"
    FINANCE = "finance"
    HEALTH = "health"
    ENERGY = "energy"
    GOVERNMENT = "government"
    OTHER = "other"


class ContactChannel(StrEnum):
    EMAIL = "email"
    GITHUB_PRIVATE_REPORTING = "github-private-reporting"
    URL = "url"
    WEB_FORM = "web-form"


class ContactRole(StrEnum):
    SECURITY_TEAM = "security-team"
    MAINTAINER = "maintainer"
    BACKUP = "backup"
    VENDOR_PSIRT = "vendor-psirt"


class Confidence(StrEnum):
    CONFIRMED = "confirmed"  # the project told us
    PUBLISHED = "published"  # from the project's SECURITY.md or security.txt
    INFERRED = "inferred"  # guessed from commit history or package metadata
