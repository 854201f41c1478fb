"""Background jobs are queued with their transaction and run by the worker."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from akrites.accounts.tasks import send_set_password_link
from akrites.domain.permissions import OrgKind, Role
from akrites.jobs import enqueue_after_commit
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_job_rolls_back_with_its_transaction() -> None:
    user = make_user(OrgKind.FINDER, Role.REPORTER)

    class Boom(Exception):
        pass

    def enqueue_then_fail() -> None:
        with transaction.atomic():
            enqueue_after_commit(send_set_password_link, user.pk)
            raise Boom

    with pytest.raises(Boom):
        enqueue_then_fail()
    assert not DBTaskResult.objects.exists()


# The worker closes database connections between jobs, as a long-running process should;
# so these tests commit for real instead of running inside the test's transaction.
@pytest.mark.django_db(transaction=True)
def test_queued_job_survives_until_a_worker_runs_it() -> None:
    user = make_user(OrgKind.FINDER, Role.REPORTER)
    with transaction.atomic():
        enqueue_after_commit(send_set_password_link, user.pk)
    row = DBTaskResult.objects.get()
    assert row.status == "READY"
    call_command("db_worker", batch=True, queue_name="*", reload=False, verbosity=0)
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert "/account/set-password/" in message.body


@pytest.mark.django_db(transaction=True)
def test_set_password_mail_is_not_sent_to_deactivated_users() -> None:
    user = make_user(OrgKind.FINDER, Role.REPORTER, is_active=False)
    with transaction.atomic():
        enqueue_after_commit(send_set_password_link, user.pk)
    call_command("db_worker", batch=True, queue_name="*", reload=False, verbosity=0)
    assert mail.outbox == []
