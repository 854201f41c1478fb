"""Organisations, users, roles, tokens and second factors, through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from akrites.accounts import services
from akrites.accounts.auth import actor_for_user
from akrites.accounts.models import ApiToken, Organisation, User
from akrites.audit.models import AuditEvent
from akrites.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from akrites.domain.permissions import OrgKind, Permission, Role
from akrites.domain.policy import SYSTEM
from tests.factories import PASSWORD, OrganisationFactory, make_user, sign_in

pytestmark = pytest.mark.django_db


def _actor(user: User):  # type: ignore[no-untyped-def]
    return actor_for_user(user, mfa_verified=True)


def test_organisation_create_is_audited_and_unique() -> None:
    org = services.organisation_create(actor=SYSTEM, name="Acme Labs", kind="finder")
    assert org.slug == "acme-labs"
    event = AuditEvent.objects.get(action="organisation.created")
    assert event.target_id == str(org.pk)
    with pytest.raises(Conflict, match="already exists"):
        services.organisation_create(actor=SYSTEM, name="acme labs", kind="finder")
    assert Organisation.objects.count() == 1


def test_unknown_organisation_kind_is_rejected_with_the_choices() -> None:
    with pytest.raises(InvalidInput) as err:
        services.organisation_create(actor=SYSTEM, name="X", kind="bank")
    assert err.value.field == "kind"
    assert "sirt, finder" in err.value.message
    assert not Organisation.objects.exists()


def test_reporter_cannot_create_organisations() -> None:
    reporter = make_user(OrgKind.FINDER, Role.REPORTER)
    with pytest.raises(Forbidden):
        services.organisation_create(actor=_actor(reporter), name="Mine", kind="finder")


def test_admin_adds_member_with_roles_valid_for_the_org_kind() -> None:
    admin = make_user(OrgKind.MAINTAINER, Role.ADMIN)
    org = admin.organisation
    user = services.user_create(
        actor=_actor(admin), email="New@Example.org", organisation=org, roles=["maintainer"]
    )
    assert user.email == "new@example.org"
    assert user.roles == {Role.MAINTAINER}
    assert not user.has_usable_password()
    with pytest.raises(InvalidInput, match="does not exist in a 'maintainer' organisation"):
        services.user_create(
            actor=_actor(admin), email="x@example.org", organisation=org, roles=["coordinator"]
        )
    with pytest.raises(Conflict):
        services.user_create(
            actor=_actor(admin), email="NEW@example.org", organisation=org, roles=["maintainer"]
        )
    assert User.objects.filter(organisation=org).count() == 2


def test_admin_cannot_add_members_to_another_organisation() -> None:
    admin = make_user(OrgKind.VENDOR, Role.ADMIN)
    other = OrganisationFactory(kind="vendor")
    with pytest.raises(Forbidden):
        services.user_create(
            actor=_actor(admin), email="spy@example.org", organisation=other, roles=["vendor"]
        )
    assert not User.objects.filter(email="spy@example.org").exists()


def test_weak_passwords_are_refused_with_the_reason() -> None:
    org = OrganisationFactory(kind="finder")
    with pytest.raises(InvalidInput) as err:
        services.user_create(
            actor=SYSTEM,
            email="a@example.org",
            organisation=org,
            roles=["reporter"],
            password="password",
        )
    assert err.value.field == "password"
    assert not User.objects.filter(email="a@example.org").exists()


def test_last_admin_cannot_be_demoted() -> None:
    admin = make_user(OrgKind.FINDER, Role.ADMIN, Role.REPORTER)
    with pytest.raises(InvalidInput, match="last administrator"):
        services.user_set_roles(actor=_actor(admin), user=admin, roles=["reporter"])
    assert Role.ADMIN in admin.roles


def test_deactivation_ends_access_at_once() -> None:
    admin = make_user(OrgKind.FINDER, Role.ADMIN)
    member = make_user(OrgKind.FINDER, Role.REPORTER, org=admin.organisation)
    client = sign_in(Client(), member, verified=False)
    assert client.get("/").status_code == 200
    services.user_set_active(actor=_actor(admin), user=member, active=False)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    with pytest.raises(InvalidInput, match="your own account"):
        services.user_set_active(actor=_actor(admin), user=admin, active=False)


def test_token_is_stored_hashed_and_shown_once() -> None:
    user = make_user(OrgKind.FINDER, Role.REPORTER)
    created = services.token_create(actor=_actor(user), user=user, name="scanner")
    assert created.secret.startswith("akr_")
    row = ApiToken.objects.get()
    assert created.secret not in (row.digest, row.prefix)
    assert row.digest == services.token_digest(created.secret)
    assert not ApiToken.objects.filter(digest__contains=created.secret[4:20]).exists()
    authed, scopes = services.token_authenticate(created.secret)
    assert authed == user
    assert scopes == {
        Permission.PROFILE_READ,
        Permission.ORGANISATION_READ,
        Permission.MEMBER_READ,
        Permission.COMPONENT_READ,
        Permission.REPORT_READ,
        Permission.CASE_READ,
    }


def test_token_scopes_cannot_exceed_the_users_roles() -> None:
    user = make_user(OrgKind.FINDER, Role.REPORTER)
    with pytest.raises(InvalidInput, match="not available"):
        services.token_create(
            actor=_actor(user), user=user, name="x", scopes=["registry:component:create"]
        )
    with pytest.raises(InvalidInput, match="not available"):
        services.token_create(
            actor=_actor(user), user=user, name="x", scopes=["accounts:token:manage"]
        )
    with pytest.raises(InvalidInput, match="unknown scope"):
        services.token_create(actor=_actor(user), user=user, name="x", scopes=["root"])
    assert not ApiToken.objects.exists()


def test_token_lifetime_is_bounded() -> None:
    user = make_user(OrgKind.FINDER, Role.REPORTER)
    with pytest.raises(InvalidInput, match="within 1 to 365 days"):
        services.token_create(actor=_actor(user), user=user, name="x", expires_in_days=400)
    with pytest.raises(InvalidInput):
        services.token_create(actor=_actor(user), user=user, name="x", expires_in_days=0)


def test_expired_revoked_and_unknown_tokens_say_why() -> None:
    user = make_user(OrgKind.FINDER, Role.REPORTER)
    created = services.token_create(actor=_actor(user), user=user, name="t")
    ApiToken.objects.filter(pk=created.token.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(Unauthenticated) as err:
        services.token_authenticate(created.secret)
    assert err.value.code == "token_expired"
    second = services.token_create(actor=_actor(user), user=user, name="t2")
    services.token_revoke(actor=_actor(user), token_id=second.token.pk)
    with pytest.raises(Unauthenticated) as err:
        services.token_authenticate(second.secret)
    assert err.value.code == "token_revoked"
    with pytest.raises(Unauthenticated) as err:
        services.token_authenticate("akr_" + "x" * 43)
    assert err.value.code == "token_invalid"


def test_token_of_deactivated_user_stops_working() -> None:
    admin = make_user(OrgKind.FINDER, Role.ADMIN)
    member = make_user(OrgKind.FINDER, Role.REPORTER, org=admin.organisation)
    created = services.token_create(actor=_actor(member), user=member, name="t")
    services.user_set_active(actor=_actor(admin), user=member, active=False)
    with pytest.raises(Unauthenticated) as err:
        services.token_authenticate(created.secret)
    assert err.value.code == "account_deactivated"


def test_users_cannot_create_or_revoke_tokens_for_others() -> None:
    alice = make_user(OrgKind.FINDER, Role.REPORTER)
    bob = make_user(OrgKind.FINDER, Role.REPORTER)
    with pytest.raises(Forbidden):
        services.token_create(actor=_actor(alice), user=bob, name="t")
    bobs = services.token_create(actor=_actor(bob), user=bob, name="t")
    with pytest.raises(NotFound):
        services.token_revoke(actor=_actor(alice), token_id=bobs.token.pk)
    assert ApiToken.objects.get(pk=bobs.token.pk).revoked_at is None


def test_login_page_rejects_wrong_password_and_throttles() -> None:
    user = make_user(OrgKind.FINDER, Role.REPORTER)
    client = Client()
    for _ in range(4):
        response = client.post("/login/", {"email": user.email, "password": "wrong"})
        assert response.status_code == 401
        assert b"Wrong e-mail address or password." in response.content
    fifth = client.post("/login/", {"email": user.email, "password": "wrong"})
    assert fifth.status_code == 429
    locked = client.post("/login/", {"email": user.email, "password": PASSWORD})
    assert locked.status_code == 429
    assert b"Too many failed sign-in attempts" in locked.content
    assert "_auth_user_id" not in client.session


def test_login_succeeds_and_records_the_sign_in() -> None:
    user = make_user(OrgKind.FINDER, Role.REPORTER)
    client = Client()
    response = client.post("/login/", {"email": user.email.upper(), "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert AuditEvent.objects.filter(action="user.logged_in", target_id=str(user.pk)).exists()


def test_failed_login_is_audited_without_the_password() -> None:
    client = Client()
    client.post("/login/", {"email": "nobody@example.org", "password": "hunter2-secret"})
    event = AuditEvent.objects.get(action="user.login_failed")
    assert event.data["email"] == "nobody@example.org"
    assert "hunter2" not in str(event.data)


def test_sirt_login_requires_enrolment_then_verification() -> None:
    coordinator = make_user(OrgKind.SIRT, Role.COORDINATOR)
    client = Client()
    response = client.post("/login/", {"email": coordinator.email, "password": PASSWORD})
    assert response["Location"].startswith("/account/two-factor/")
    # Without the second factor nothing else opens.
    blocked = client.get("/components/")
    assert blocked.status_code == 302
    assert blocked["Location"].startswith("/account/two-factor/")
    page = client.get("/account/two-factor/")
    assert b"Set up two-factor authentication" in page.content
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=coordinator)
    current = totp(device.bin_key)
    wrong = client.post("/account/two-factor/", {"code": f"{(current + 1) % 10**6:06d}"})
    assert wrong.status_code == 401
    # django-otp throttles after a failure; a person would wait, the test resets the clock.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=0, throttling_failure_timestamp=None
    )
    ok = client.post("/account/two-factor/", {"code": f"{totp(device.bin_key):06d}"})
    assert ok.status_code == 302
    assert client.get("/components/").status_code == 200
    assert TOTPDevice.objects.get(user=coordinator).confirmed
    assert AuditEvent.objects.filter(action="user.mfa_enrolled").exists()


def test_set_password_link_works_once() -> None:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = make_user(OrgKind.FINDER, Role.REPORTER)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    client = Client()
    first = client.get(f"/account/set-password/{uid}/{token}/", follow=True)
    assert b"Choose your password" in first.content
    form_url = first.redirect_chain[-1][0]
    done = client.post(
        form_url,
        {
            "new_password1": "a much better passphrase 42",
            "new_password2": "a much better passphrase 42",
        },
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a much better passphrase 42")
    again = Client().get(f"/account/set-password/{uid}/{token}/", follow=True)
    assert b"expired or was already used" in again.content
