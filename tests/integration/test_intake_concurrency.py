"""Two workers handling near-simultaneous reports of the same flaw end with one case."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from akrites.accounts.auth import actor_for_user
from akrites.cases.models import Case
from akrites.domain.intake import parse_report
from akrites.domain.permissions import OrgKind, Role
from akrites.intake.engine import reset_engine
from akrites.intake.models import Report
from akrites.intake.services import reports_submit
from tests.factories import make_user
from tests.integration.intake_helpers import report_doc


@pytest.mark.django_db(transaction=True)
def test_simultaneous_duplicates_from_two_threads_make_one_case() -> None:
    if connection.vendor == "sqlite":
        pytest.skip("in-memory SQLite is shared-cache; test_cli covers processes on a file")
    reset_engine()
    finders = [make_user(OrgKind.FINDER, Role.REPORTER) for _ in range(4)]
    draft = parse_report(report_doc())
    barrier = threading.Barrier(len(finders))
    errors: list[BaseException] = []

    def work(user) -> None:  # type: ignore[no-untyped-def]
        try:
            barrier.wait()
            reports_submit(
                actor=actor_for_user(user, mfa_verified=False),
                user=user,
                organisation=user.organisation,
                items=[draft],
                channel="api",
                source_format="akrites",
            )
        except BaseException as exc:  # noqa: BLE001  (re-raised below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(u,)) for u in finders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Report.objects.count() == 4
    assert Case.objects.count() == 1
