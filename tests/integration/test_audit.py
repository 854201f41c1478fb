"""The audit log: written with the change, append-only, and tamper-evident."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from akrites.accounts.services import organisation_create
from akrites.audit.models import AppendOnlyError, AuditEvent
from akrites.audit.selectors import audit_chain_verify
from akrites.audit.services import AuditOutsideTransactionError, audit_record
from akrites.domain.audit import AuditAction
from akrites.domain.policy import SYSTEM

pytestmark = pytest.mark.django_db


def _three_events() -> list[AuditEvent]:
    for name in ("A", "B", "C"):
        organisation_create(actor=SYSTEM, name=f"Org {name}", kind="finder")
    return list(AuditEvent.objects.order_by("seq"))


def test_events_are_numbered_and_chained() -> None:
    events = _three_events()
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[1].prev_hash == events[0].hash
    assert audit_chain_verify().ok


def test_event_is_rolled_back_with_its_change() -> None:
    class Boom(Exception):
        pass

    def create_then_fail() -> None:
        with transaction.atomic():
            organisation_create(actor=SYSTEM, name="Doomed", kind="finder")
            raise Boom

    with pytest.raises(Boom):
        create_then_fail()
    assert not AuditEvent.objects.exists()
    assert audit_chain_verify().ok


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused() -> None:
    with pytest.raises(AuditOutsideTransactionError):
        audit_record(
            actor=SYSTEM,
            action=AuditAction.ORGANISATION_CREATED,
            target_type="organisation",
            target_id=1,
        )


def test_application_cannot_update_or_delete_events() -> None:
    event = _three_events()[0]
    event.action = "something.else"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def _raw(sql: str, params: list[object]) -> None:
    table = AuditEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=table), params)


def test_editing_a_row_in_the_database_is_detected() -> None:
    events = _three_events()
    _raw("UPDATE {table} SET data = %s WHERE seq = %s", ['{"name": "Forged"}', 2])
    verdict = audit_chain_verify()
    assert not verdict.ok
    assert verdict.first_bad_seq == 2
    assert "altered" in verdict.problem
    assert events[0].seq == 1


def test_deleting_a_row_in_the_database_is_detected() -> None:
    _three_events()
    _raw("DELETE FROM {table} WHERE seq = %s", [2])
    verdict = audit_chain_verify()
    assert not verdict.ok
    assert verdict.first_bad_seq == 2
    assert "missing" in verdict.problem


def test_deleting_the_latest_row_is_detected() -> None:
    _three_events()
    _raw("DELETE FROM {table} WHERE seq = %s", [3])
    verdict = audit_chain_verify()
    assert not verdict.ok


def test_changing_the_actor_is_detected() -> None:
    _three_events()
    _raw("UPDATE {table} SET actor_user_id = %s WHERE seq = %s", [42, 1])
    assert audit_chain_verify().first_bad_seq == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_unbroken_chain() -> None:
    """Several threads appending at once (PostgreSQL row lock on the head)."""
    if connection.vendor == "sqlite":
        pytest.skip("the in-memory SQLite test database is shared-cache; see test_cli for files")
    import threading

    from django.db import connections

    errors: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            for i in range(5):
                organisation_create(actor=SYSTEM, name=f"Org {n}-{i}", kind="finder")
        except BaseException as exc:  # noqa: BLE001  (collected and re-raised below)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, 21))
    assert audit_chain_verify().ok


def test_a_deleted_head_beside_existing_events_stops_writes() -> None:
    from akrites.audit.models import AuditHead
    from akrites.audit.services import AuditHeadMissingError

    _three_events()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditHead._meta.db_table}")  # noqa: S608
    with pytest.raises(AuditHeadMissingError):
        organisation_create(actor=SYSTEM, name="After tampering", kind="finder")


def test_an_empty_database_starts_a_fresh_chain() -> None:
    from akrites.audit.models import AuditHead

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditHead._meta.db_table}")  # noqa: S608
    organisation_create(actor=SYSTEM, name="First", kind="finder")
    assert audit_chain_verify().ok
