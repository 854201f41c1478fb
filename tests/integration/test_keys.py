"""Envelope keys: rotation of the master key, and destroying a case's key."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from django.conf import settings
from django.test import Client, override_settings

from akrites.cases import keys
from akrites.cases.keys import KeyDestroyedError, case_key_destroy, keys_rotate
from akrites.cases.models import Case, CaseKey
from akrites.crypto import sealing
from akrites.domain.permissions import OrgKind, Role
from akrites.intake.engine import reset_engine
from akrites.intake.models import Report
from akrites.intake.selectors import report_content
from tests.factories import make_user, sign_in
from tests.integration.intake_helpers import bearer, report_doc, submit

pytestmark = pytest.mark.django_db


def _clear_key_caches() -> None:
    sealing.master_key.cache_clear()
    sealing.master_keyring.cache_clear()
    keys._index_cache.clear()


@pytest.fixture(autouse=True)
def _isolated_keys() -> Iterator[None]:
    reset_engine()
    _clear_key_caches()
    yield
    _clear_key_caches()


def _use_keys(current: str, previous: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    _clear_key_caches()
    return override_settings(
        AKRITES=replace(settings.AKRITES, master_key=current, master_key_previous=previous)
    )


def test_rotation_rewraps_every_key_and_keeps_content_and_lookups() -> None:
    old, new = sealing.generate_master_key_text(), sealing.generate_master_key_text()
    reporter = make_user(OrgKind.FINDER, Role.REPORTER)
    headers = bearer(reporter)
    with _use_keys(old):
        first = submit(Client(), headers, report_doc(reporter_ref="ROT-1")).json()
    old_id = sealing.parse_master_key(old, source="test").key_id
    assert set(CaseKey.objects.values_list("master_key_id", flat=True)) == {old_id}
    with _use_keys(new, (old,)):
        # Before rotation the old key still opens what it wrapped.
        assert report_content(Report.objects.get())["title"]
        result = keys_rotate()
        assert result.rewrapped >= 2  # the case key and the index key
    new_id = sealing.parse_master_key(new, source="test").key_id
    assert set(CaseKey.objects.values_list("master_key_id", flat=True)) == {new_id}
    with _use_keys(new):  # the old key is gone entirely
        assert report_content(Report.objects.get())["title"]
        again = submit(Client(), headers, report_doc(reporter_ref="ROT-1")).json()
        assert again["status"] == "already_received"
        assert again["tracking_id"] == first["tracking_id"]


def test_without_the_old_key_nothing_opens_and_the_error_says_what_to_do() -> None:
    old, new = sealing.generate_master_key_text(), sealing.generate_master_key_text()
    reporter = make_user(OrgKind.FINDER, Role.REPORTER)
    with _use_keys(old):
        submit(Client(), bearer(reporter), report_doc())
    with _use_keys(new), pytest.raises(sealing.SealingError, match="AKRITES_MASTER_KEY_PREVIOUS"):
        report_content(Report.objects.get())


def test_destroying_a_case_key_makes_its_content_unreadable() -> None:
    reporter = make_user(OrgKind.FINDER, Role.REPORTER)
    tracking = submit(Client(), bearer(reporter), report_doc()).json()["tracking_id"]
    report = Report.objects.get(tracking_id=tracking)
    case_key_destroy(Case.objects.get(pk=report.case_id))
    with pytest.raises(KeyDestroyedError):
        report_content(report)
    page = sign_in(Client(), reporter).get(f"/reports/{tracking}/")
    assert page.status_code == 410
    assert b"destroyed" in page.content
    api = Client().get(f"/api/v1/reports/{tracking}", **bearer(reporter))
    assert api.status_code == 200  # the receipt holds no sealed content
