"""Notifications say that something happened, never what: no case content in any e-mail.
They are queued with the change and retried when the mail server fails."""

from __future__ import annotations

import smtplib
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from akrites.domain.tlp import Tlp
from akrites.messaging import services
from tests.integration.test_messaging import actor, build_world, case_thread

SECRET = "the overflow is in decode_chunked PELICAN-5150"


def _run_worker() -> None:
    call_command("db_worker", batch=True, queue_name="*", reload=False, verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_a_message_notifies_those_who_may_read_it_without_its_content() -> None:
    w = build_world()
    services.message_post(
        actor=actor(w["m1"]),
        case=w["case"],
        thread_id=case_thread(w),
        body=SECRET,
        tlp=Tlp.AMBER_STRICT,
    )
    mail.outbox.clear()
    _run_worker()  # the fan-out job, then one delivery job per recipient
    recipients = sorted(r for m in mail.outbox for r in m.to)
    # AMBER+STRICT: the author's organisation (m2) and the coordinator, not the author.
    assert recipients == sorted([w["m2"].email, w["coord"].email])
    for message in mail.outbox:
        text = message.subject + message.body
        assert "PELICAN" not in text
        assert "decode_chunked" not in text
        assert w["case"].number in message.subject
        assert f"/cases/{w['case'].number}/messages/" in message.body


@pytest.mark.django_db(transaction=True)
def test_red_messages_notify_named_people_only() -> None:
    w = build_world()
    services.message_post(
        actor=actor(w["coord"]),
        case=w["case"],
        thread_id=case_thread(w),
        body=SECRET,
        tlp=Tlp.RED,
        recipients=[w["vendor"].pk],
    )
    mail.outbox.clear()
    _run_worker()
    assert sorted(r for m in mail.outbox for r in m.to) == [w["vendor"].email]


@pytest.mark.django_db(transaction=True)
def test_no_job_without_the_message() -> None:
    w = build_world()
    thread = case_thread(w)
    before = DBTaskResult.objects.count()

    def post_then_fail() -> None:
        with transaction.atomic():
            services.message_post(
                actor=actor(w["coord"]), case=w["case"], thread_id=thread, body="never sent"
            )
            raise RuntimeError("crash after posting, before commit")

    with pytest.raises(RuntimeError):
        post_then_fail()
    assert DBTaskResult.objects.count() == before


@pytest.mark.django_db(transaction=True)
def test_a_failing_mail_server_means_a_retry_later_not_a_lost_notice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = build_world()
    services.message_post(
        actor=actor(w["coord"]),
        case=w["case"],
        thread_id=case_thread(w),
        body=SECRET,
        tlp=Tlp.RED,
        recipients=[w["vendor"].pk],
    )

    def refuse(*args: Any, **kwargs: Any) -> int:
        raise smtplib.SMTPServerDisconnected("mail server down")

    monkeypatch.setattr("akrites.notifications.tasks.send_mail", refuse)
    _run_worker()  # fan-out, then the delivery fails and schedules its retry
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.args_kwargs["args"][-1] == 2  # attempt 2
    assert retry.run_after is not None
