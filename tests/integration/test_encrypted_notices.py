"""Content by e-mail only when encrypted to the reader's own OpenPGP key (pysequoia); the test
decrypts what was sent with GnuPG. Without a key, notices stay content-free, and a security
contact without a key gets nothing at all."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from akrites.audit.models import AuditEvent
from akrites.cases.services import case_remove_participant
from akrites.domain.audit import AuditAction
from akrites.domain.errors import InvalidInput
from akrites.domain.policy import SYSTEM
from akrites.domain.tlp import Tlp
from akrites.messaging import services as messaging
from akrites.notifications.disclosure import (
    ContactNotForCase,
    ContactWithoutKey,
    send_contact_disclosure,
)
from akrites.notifications.preferences import notice_key_set
from akrites.notifications.tasks import send_case_notice
from akrites.registry.services import component_create, contact_add
from tests.factories import sign_in
from tests.integration.test_messaging import actor, build_world, case_thread

GPG = shutil.which("gpg")
pytestmark = pytest.mark.skipif(GPG is None, reason="GnuPG (gpg) is not installed")

BODY = "The overflow is in decode_chunked: length 0xFFFFFFF0 wraps. Patch attached. ÄÖ"
ARMOURED = re.compile(r"-----BEGIN PGP MESSAGE-----.*?-----END PGP MESSAGE-----", re.DOTALL)


@dataclass(frozen=True)
class Keypair:
    home: Path
    uid: str
    public: str

    def decrypt(self, armoured: str) -> str:
        return _gpg(self.home, "--decrypt", data=armoured.encode()).decode("utf-8")


def _gpg(home: Path, *args: str, data: bytes | None = None) -> bytes:
    done = subprocess.run(
        [str(GPG), "--batch", "--quiet", "--homedir", str(home), *args],
        input=data,
        capture_output=True,
        check=True,
    )
    return done.stdout


def _new_public_key(home: Path, uid: str, algorithm: str, usage: str) -> str:
    """A key pair without passphrase in ``home``; returns the armoured public key."""
    home.mkdir(mode=0o700, exist_ok=True)
    loopback = ("--pinentry-mode", "loopback", "--passphrase", "")
    _gpg(home, *loopback, "--quick-gen-key", uid, algorithm, usage, "never")
    return _gpg(home, "--armor", "--export", uid).decode()


def _stop_agent(home: Path) -> None:
    gpgconf = shutil.which("gpgconf") or "gpgconf"
    subprocess.run([gpgconf, "--homedir", str(home), "--kill", "gpg-agent"], check=False)


def _keypair(uid: str) -> Iterator[Keypair]:
    home = Path(tempfile.mkdtemp(prefix="akrites-gpg-")) / "home"
    try:
        yield Keypair(home, uid, _new_public_key(home, uid, "future-default", "default"))
    finally:
        _stop_agent(home)
        shutil.rmtree(home.parent, ignore_errors=True)


@pytest.fixture(scope="module")
def reader_key() -> Iterator[Keypair]:
    yield from _keypair("Case Reader <reader@example.org>")


@pytest.fixture(scope="module")
def contact_key() -> Iterator[Keypair]:
    yield from _keypair("Security Team <security@django.example>")


def _run_worker() -> None:
    call_command("db_worker", batch=True, queue_name="*", reload=False, verbosity=0)


def _armoured(text: str) -> str:
    found = ARMOURED.search(text)
    assert found, text
    return found.group(0)


@pytest.mark.django_db(transaction=True)
def test_a_reader_with_a_key_gets_the_message_encrypted_and_others_get_no_content(
    reader_key: Keypair,
) -> None:
    w = build_world()
    notice_key_set(
        actor=actor(w["m2"]), user=w["m2"], openpgp_key=reader_key.public, encrypted=True
    )
    messaging.message_post(
        actor=actor(w["m1"]),
        case=w["case"],
        thread_id=case_thread(w),
        body=BODY,
        tlp=Tlp.AMBER_STRICT,
    )
    mail.outbox.clear()
    _run_worker()
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_recipient) == sorted([w["m2"].email, w["coord"].email])

    encrypted = by_recipient[w["m2"].email]
    assert "decode_chunked" not in encrypted.subject + encrypted.body
    assert w["m2"].openpgp_fingerprint in encrypted.body
    assert reader_key.decrypt(_armoured(encrypted.body)) == BODY

    plain = by_recipient[w["coord"].email]  # no key stored: content-free, as ever
    assert "BEGIN PGP MESSAGE" not in plain.body
    assert "decode_chunked" not in plain.subject + plain.body
    assert "never contains case content" in plain.body

    sent = AuditEvent.objects.filter(action=AuditAction.NOTICE_CONTENT_SENT).get()
    assert sent.target_id == w["case"].number
    assert sent.data["user"] == w["m2"].pk
    assert sent.data["openpgp_fingerprint"] == w["m2"].openpgp_fingerprint


@pytest.mark.django_db(transaction=True)
def test_a_key_without_the_opt_in_sends_no_content(reader_key: Keypair) -> None:
    w = build_world()
    notice_key_set(
        actor=actor(w["m2"]), user=w["m2"], openpgp_key=reader_key.public, encrypted=False
    )
    messaging.message_post(
        actor=actor(w["m1"]), case=w["case"], thread_id=case_thread(w), body=BODY
    )
    mail.outbox.clear()
    _run_worker()
    assert mail.outbox
    for message in mail.outbox:
        assert "BEGIN PGP MESSAGE" not in message.body
        assert "decode_chunked" not in message.body


@pytest.mark.django_db(transaction=True)
def test_a_reader_removed_before_sending_gets_nothing(reader_key: Keypair) -> None:
    w = build_world()
    notice_key_set(
        actor=actor(w["m2"]), user=w["m2"], openpgp_key=reader_key.public, encrypted=True
    )
    messaging.message_post(
        actor=actor(w["coord"]), case=w["case"], thread_id=case_thread(w), body=BODY, tlp=Tlp.AMBER
    )
    _run_worker()  # the fan-out and the notices of this message
    mail.outbox.clear()

    message_id = w["case"].threads.get(kind="case").messages.get().pk
    args = (w["m2"].pk, w["case"].number, "has a new message", "messages/")
    send_case_notice.call(*args, message_id=message_id)  # still read in: the content
    (sent,) = mail.outbox
    assert reader_key.decrypt(_armoured(sent.body)) == BODY
    mail.outbox.clear()
    case_remove_participant(actor=actor(w["coord"]), case=w["case"], user=w["m2"])
    send_case_notice.call(*args, message_id=message_id)  # e.g. a retry after the removal
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_account_page_stores_a_key_and_explains_what_is_wrong(reader_key: Keypair) -> None:
    w = build_world()
    web = sign_in(Client(), w["m2"])
    page = web.get("/account/")
    assert b"Encrypted notices" in page.content
    saved = web.post(
        "/account/",
        {"form": "openpgp", "openpgp_key": reader_key.public, "encrypted": "on"},
    )
    assert saved.status_code == 302, saved.content
    w["m2"].refresh_from_db()
    assert w["m2"].notices_encrypted
    assert len(w["m2"].openpgp_fingerprint) == 40
    assert w["m2"].openpgp_fingerprint.encode() in web.get("/account/").content
    assert AuditEvent.objects.filter(
        action=AuditAction.USER_OPENPGP_KEY_SET, target_id=str(w["m2"].pk)
    ).exists()

    for data, expected in (
        ({"openpgp_key": "not a key", "encrypted": "on"}, b"not a valid OpenPGP public key"),
        ({"openpgp_key": "", "encrypted": "on"}, b"add your OpenPGP public key"),
        (
            {"openpgp_key": "-----BEGIN PGP PRIVATE KEY BLOCK-----\nxx", "encrypted": ""},
            b"this is a private key",
        ),
    ):
        refused = web.post("/account/", {"form": "openpgp", **data})
        assert refused.status_code == 200
        assert expected in refused.content
    w["m2"].refresh_from_db()
    assert w["m2"].notices_encrypted  # unchanged by the refused attempts

    cleared = web.post("/account/", {"form": "openpgp", "openpgp_key": "", "encrypted": ""})
    assert cleared.status_code == 302
    w["m2"].refresh_from_db()
    assert (w["m2"].openpgp_key, w["m2"].openpgp_fingerprint, w["m2"].notices_encrypted) == (
        "",
        "",
        False,
    )


@pytest.mark.django_db
def test_nobody_sets_someone_elses_key(reader_key: Keypair) -> None:
    w = build_world()
    with pytest.raises(Exception, match="your own"):
        notice_key_set(
            actor=actor(w["m1"]), user=w["m2"], openpgp_key=reader_key.public, encrypted=True
        )


# --- disclosure to a registry security contact ---------------------------------------------


def _django_contact(key: str = "") -> Any:
    component = component_create(actor=SYSTEM, purl="pkg:pypi/django")
    return contact_add(
        actor=SYSTEM,
        component=component,
        channel="email",
        address="security@django.example",
        openpgp_key=key,
    )


@pytest.mark.django_db
def test_a_contact_gets_the_case_encrypted_to_their_key(contact_key: Keypair) -> None:
    from akrites.intake.models import Report
    from akrites.intake.selectors import report_content

    w = build_world()
    contact = _django_contact(contact_key.public)
    mail.outbox.clear()
    send_contact_disclosure.call(contact.pk, w["case"].number)

    (sent,) = mail.outbox
    assert sent.to == ["security@django.example"]
    doc = report_content(Report.objects.get(case=w["case"]))
    for clear_part in (sent.subject, sent.body.split("-----BEGIN")[0]):
        assert doc["title"] not in clear_part
        assert "order_by" not in clear_part
    plaintext = contact_key.decrypt(_armoured(sent.body))
    assert plaintext.startswith(f"Akrites case {w['case'].number}: ")
    assert doc["title"] in plaintext
    assert doc["description"] in plaintext
    assert "pkg:pypi/django" in plaintext
    assert w["lab"].organisation.name not in plaintext  # not who reported it
    disclosed = AuditEvent.objects.filter(action=AuditAction.CASE_DISCLOSED).get()
    assert disclosed.target_id == w["case"].number
    assert disclosed.data["contact"] == contact.pk
    assert disclosed.data["openpgp_fingerprint"] == contact.openpgp_fingerprint


@pytest.mark.django_db
def test_a_contact_without_a_key_gets_nothing() -> None:
    w = build_world()
    contact = _django_contact()
    mail.outbox.clear()
    with pytest.raises(ContactWithoutKey) as refused:
        send_contact_disclosure.call(contact.pk, w["case"].number)
    assert refused.value.code == "contact_without_openpgp_key"
    assert "no OpenPGP key" in refused.value.message
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(action=AuditAction.CASE_DISCLOSED).exists()


@pytest.mark.django_db
def test_a_contact_of_another_component_gets_nothing(contact_key: Keypair) -> None:
    w = build_world()
    component = component_create(actor=SYSTEM, purl="pkg:pypi/flask")
    contact = contact_add(
        actor=SYSTEM,
        component=component,
        channel="email",
        address="security@flask.example",
        openpgp_key=contact_key.public,
    )
    mail.outbox.clear()
    with pytest.raises(ContactNotForCase):
        send_contact_disclosure.call(contact.pk, w["case"].number)
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_signing_only_key_is_refused_when_stored(tmp_path: Path) -> None:
    home = tmp_path / "signer"
    try:
        public = _new_public_key(home, "Signer <signer@example.org>", "ed25519", "sign")
    finally:
        _stop_agent(home)
    w = build_world()
    with pytest.raises(InvalidInput) as refused:
        notice_key_set(actor=actor(w["m2"]), user=w["m2"], openpgp_key=public, encrypted=True)
    assert refused.value.code == "openpgp_key_cannot_encrypt"
    assert refused.value.field == "openpgp_key"


@pytest.mark.django_db(transaction=True)
def test_notifying_the_maintainer_sends_the_report_encrypted_to_the_contact(
    contact_key: Keypair,
) -> None:
    from django.test import Client

    from akrites.accounts.auth import actor_for_user
    from akrites.cases import workflow
    from akrites.cases.embargo import embargo_propose
    from akrites.cases.models import Case
    from akrites.domain.permissions import OrgKind, Role
    from akrites.intake.engine import reset_engine
    from tests.factories import make_user
    from tests.integration.intake_helpers import bearer, report_doc, submit

    reset_engine()
    contact = _django_contact(contact_key.public)
    coordinator = make_user(OrgKind.SIRT, Role.ADMIN, Role.COORDINATOR)
    lab = make_user(OrgKind.FINDER, Role.REPORTER)
    case = Case.objects.get(number=submit(Client(), bearer(lab), report_doc()).json()["case"])
    coord = actor_for_user(coordinator, mfa_verified=True)
    workflow.case_transition(actor=coord, case=case, name="start_triage")
    workflow.case_assess(actor=coord, case=case, severity="high", component_purl="pkg:pypi/django")
    workflow.case_transition(actor=coord, case=case, name="accept")
    embargo_propose(actor=coord, case=case, end_at=timezone.now() + timedelta(days=30))
    mail.outbox.clear()
    workflow.case_transition(actor=coord, case=case, name="notify_maintainer")
    _run_worker()
    to_contact = [m for m in mail.outbox if m.to == [contact.address]]
    assert len(to_contact) == 1
    plaintext = contact_key.decrypt(_armoured(to_contact[0].body))
    assert "QuerySet.order_by" in plaintext
    assert "QuerySet.order_by" not in to_contact[0].body.split("-----BEGIN")[0]
