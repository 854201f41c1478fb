"""Renames and forks recorded in the registry reach the deduplication engine."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from akrites.cases.models import Mutex
from akrites.domain.dedup.identity import family_key
from akrites.domain.errors import InvalidInput
from akrites.domain.permissions import OrgKind, Role
from akrites.domain.policy import SYSTEM
from akrites.intake.engine import locked_engine, registry_aliases, reset_engine
from akrites.registry.services import component_create, component_update
from tests.factories import make_user
from tests.integration.intake_helpers import bearer, report_doc, submit

pytestmark = pytest.mark.django_db


def test_registry_aliases_become_one_family() -> None:
    component_create(actor=SYSTEM, purl="pkg:pypi/pillow", aliases=["pkg:pypi/PIL"])
    table = registry_aliases()
    assert table.canonical(family_key("PyPI", "pil")) == table.canonical(
        family_key("PyPI", "pillow")
    )


def test_bad_alias_names_the_field() -> None:
    with pytest.raises(InvalidInput) as err:
        component_create(actor=SYSTEM, purl="pkg:pypi/x", aliases=["pkg:pypi/ok", "nonsense"])
    assert err.value.field == "aliases[1]"


def test_changing_aliases_rebuilds_every_engine() -> None:
    reset_engine()
    component = component_create(actor=SYSTEM, purl="pkg:npm/new-name")
    before = Mutex.objects.get(name="dedup").version
    component_update(actor=SYSTEM, component=component, aliases=["pkg:npm/old-name"])
    assert Mutex.objects.get(name="dedup").version == before + 1
    with transaction.atomic(), locked_engine() as session:
        engine = session.engine
    assert engine is not None


def test_reports_about_a_renamed_package_join_one_case() -> None:
    reset_engine()
    component_create(actor=SYSTEM, purl="pkg:pypi/new-name", aliases=["pkg:pypi/old-name"])
    lab = make_user(OrgKind.FINDER, Role.REPORTER)
    bank = make_user(OrgKind.OPERATOR, Role.REPORTER)
    first = submit(
        Client(), bearer(lab), report_doc(purl="pkg:pypi/old-name", vers="vers:pypi/<2.0")
    ).json()
    second = submit(
        Client(), bearer(bank), report_doc(purl="pkg:pypi/new-name", vers="vers:pypi/<2.0")
    ).json()
    assert second["case"] == first["case"], second
