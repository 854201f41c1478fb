"""Attachments: size limits, type checks, sealing at rest, need-to-know downloads."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings

from akrites.audit.models import AuditEvent
from akrites.domain.permissions import OrgKind, Role
from akrites.intake.engine import reset_engine
from akrites.intake.models import Attachment
from tests.factories import make_user
from tests.integration.intake_helpers import bearer, report_doc, submit

pytestmark = pytest.mark.django_db

SECRET_POC = b"curl http://victim/?q=PLATYPUS-4242"


@pytest.fixture
def setup():  # type: ignore[no-untyped-def]
    reset_engine()
    reporter = make_user(OrgKind.FINDER, Role.REPORTER)
    headers = bearer(reporter)
    tracking = submit(Client(), headers, report_doc()).json()["tracking_id"]
    return reporter, headers, tracking


def _upload(headers, tracking, name, data, content_type):  # type: ignore[no-untyped-def]
    return Client().post(
        f"/api/v1/reports/{tracking}/attachments",
        {"file": SimpleUploadedFile(name, data, content_type=content_type)},
        **headers,
    )


def test_text_attachment_is_sealed_and_downloadable(setup) -> None:  # type: ignore[no-untyped-def]
    _, headers, tracking = setup
    response = _upload(headers, tracking, "poc.sh", SECRET_POC, "text/plain")
    assert response.status_code == 201, response.content
    with connection.cursor() as cursor:
        cursor.execute("SELECT data_sealed, filename_sealed FROM intake_attachment")
        for data, name in cursor.fetchall():
            assert b"PLATYPUS" not in bytes(data)
            assert b"poc.sh" not in bytes(name)
    got = Client().get(f"/api/v1/reports/{tracking}/attachments/{response.json()['id']}", **headers)
    assert got.status_code == 200
    assert got.content == SECRET_POC
    assert got["Content-Disposition"] == 'attachment; filename="poc.sh"'
    assert AuditEvent.objects.filter(action="attachment.downloaded").exists()


@pytest.mark.parametrize(
    ("name", "data", "content_type", "field", "fragment"),
    [
        ("shot.png", b"not really a png", "image/png", "content_type", "does not match"),
        (
            "tool.exe",
            b"MZ\x90\x00" + b"\x00" * 100,
            "application/octet-stream",
            "file",
            "executables",
        ),
        ("a.bin", b"\x00\x01\x02", "application/x-msdownload", "content_type", "not accepted"),
        ("empty.txt", b"", "text/plain", "file", "empty"),
        ("bin.txt", b"abc\x00def", "text/plain", "content_type", "does not match"),
    ],
)
def test_disguised_or_forbidden_files_are_refused(
    setup,
    name,
    data,
    content_type,
    field,  # type: ignore[no-untyped-def]
    fragment,
) -> None:
    _, headers, tracking = setup
    response = _upload(headers, tracking, name, data, content_type)
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert fragment in response.json()["message"]
    assert not Attachment.objects.exists()


def test_oversized_attachment_is_refused(setup, settings) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    _, headers, tracking = setup
    with override_settings(AKRITES=replace(settings.AKRITES, attachment_max_bytes=1024)):
        response = _upload(headers, tracking, "big.txt", b"a" * 2048, "text/plain")
    assert response.status_code == 422
    assert "limit is 1024" in response.json()["message"]
    assert not Attachment.objects.exists()


def test_other_organisations_cannot_attach_or_download(setup) -> None:  # type: ignore[no-untyped-def]
    _, headers, tracking = setup
    uploaded = _upload(headers, tracking, "poc.txt", SECRET_POC, "text/plain").json()
    stranger = bearer(make_user(OrgKind.FINDER, Role.REPORTER))
    assert _upload(stranger, tracking, "x.txt", b"hi", "text/plain").status_code == 404
    download = Client().get(f"/api/v1/reports/{tracking}/attachments/{uploaded['id']}", **stranger)
    assert download.status_code == 404
    assert b"PLATYPUS" not in download.content
    assert Attachment.objects.count() == 1


@pytest.mark.django_db
def test_a_malformed_multipart_body_is_a_clear_400(setup) -> None:  # type: ignore[no-untyped-def]
    _, headers, tracking = setup
    r = Client().generic(
        "POST",
        f"/api/v1/reports/{tracking}/attachments",
        b"not really multipart",
        content_type="multipart/form-data",  # no boundary
        **headers,
    )
    assert r.status_code == 400
    assert r.json()["code"] == "invalid_upload"
    assert r.json()["field"] == "file"
    assert not Attachment.objects.exists()
