"""The component registry: purl-keyed components and their security contacts."""

from __future__ import annotations

import pysequoia
import pytest

from akrites.accounts.auth import actor_for_user
from akrites.accounts.models import User
from akrites.audit.models import AuditEvent
from akrites.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from akrites.domain.permissions import OrgKind, Role
from akrites.domain.policy import SYSTEM
from akrites.registry import selectors, services
from akrites.registry.models import Component, SecurityContact
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _a(user: User):  # type: ignore[no-untyped-def]
    return actor_for_user(user, mfa_verified=True)


@pytest.fixture
def coord(db: None) -> User:
    return make_user(OrgKind.SIRT, Role.COORDINATOR)


@pytest.mark.parametrize(
    ("given", "key", "ecosystem"),
    [
        ("pkg:pypi/Django_REST.framework", "pkg:pypi/django-rest.framework", "PyPI"),
        ("pkg:npm/@angular/core", "pkg:npm/%40angular/core", "npm"),
        ("pkg:golang/github.com/gorilla/mux", "pkg:golang/github.com/gorilla/mux", "Go"),
        (
            "pkg:maven/org.apache.logging.log4j/log4j-core",
            "pkg:maven/org.apache.logging.log4j/log4j-core",
            "Maven",
        ),
        ("pkg:composer/Laravel/Framework", "pkg:composer/laravel/framework", "Packagist"),
        ("pkg:gem/rails", "pkg:gem/rails", "RubyGems"),
        ("pkg:cargo/serde", "pkg:cargo/serde", "crates.io"),
    ],
)
def test_components_are_keyed_by_normalised_purl(
    coord: User, given: str, key: str, ecosystem: str
) -> None:
    component = services.component_create(actor=_a(coord), purl=given)
    assert component.purl == key
    assert component.ecosystem == ecosystem
    with pytest.raises(Conflict, match="already registered"):
        services.component_create(actor=_a(coord), purl=key)
    assert Component.objects.count() == 1


@pytest.mark.parametrize(
    ("purl", "fragment"),
    [
        ("pypi/django", "pkg:"),
        ("pkg:pypi/", "name"),
        ("pkg:nosuchtype/thing", "unknown package type"),
        ("pkg:pypi/django@4.2", "not a release"),
        ("pkg:generic/openssl", "ecosystem"),
    ],
)
def test_bad_purls_get_a_specific_error_and_change_nothing(
    coord: User, purl: str, fragment: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        services.component_create(actor=_a(coord), purl=purl)
    assert err.value.field == "purl"
    assert fragment.lower() in err.value.message.lower()
    assert not Component.objects.exists()
    assert not AuditEvent.objects.filter(action="component.created").exists()


def test_ecosystem_must_match_and_be_known(coord: User) -> None:
    with pytest.raises(InvalidInput) as err:
        services.component_create(actor=_a(coord), purl="pkg:pypi/x", ecosystem="Hackage")
    assert err.value.field == "ecosystem"
    with pytest.raises(InvalidInput) as err:
        services.component_create(actor=_a(coord), purl="pkg:pypi/x", ecosystem="CobolHub")
    assert err.value.field == "ecosystem"
    assert not Component.objects.exists()


def test_critical_components_need_a_sector(coord: User) -> None:
    with pytest.raises(InvalidInput, match="at least one sector"):
        services.component_create(actor=_a(coord), purl="pkg:pypi/x", critical=True)
    with pytest.raises(InvalidInput, match="unknown sector"):
        services.component_create(
            actor=_a(coord), purl="pkg:pypi/x", critical=True, sectors=["banking"]
        )
    c = services.component_create(
        actor=_a(coord), purl="pkg:pypi/x", critical=True, sectors=["Finance", "energy"]
    )
    assert c.sectors == ["energy", "finance"]


def test_only_the_sirt_registers_components() -> None:
    maintainer = make_user(OrgKind.MAINTAINER, Role.MAINTAINER)
    with pytest.raises(Forbidden):
        services.component_create(actor=_a(maintainer), purl="pkg:pypi/mine")


def test_maintainer_edits_own_component_but_not_its_classification(coord: User) -> None:
    maintainer = make_user(OrgKind.MAINTAINER, Role.MAINTAINER)
    own = services.component_create(
        actor=_a(coord), purl="pkg:pypi/own", maintainer_org=maintainer.organisation
    )
    other = services.component_create(actor=_a(coord), purl="pkg:pypi/other")
    services.component_update(actor=_a(maintainer), component=own, description="Ours.")
    own.refresh_from_db()
    assert own.description == "Ours."
    with pytest.raises(Forbidden):
        services.component_update(
            actor=_a(maintainer), component=own, critical=True, sectors=["health"]
        )
    with pytest.raises(Forbidden):
        services.component_update(actor=_a(maintainer), component=other, description="x")
    own.refresh_from_db()
    assert not own.critical


def test_maintainer_org_must_be_a_maintainer(coord: User) -> None:
    vendor = make_user(OrgKind.VENDOR, Role.VENDOR)
    with pytest.raises(InvalidInput, match="not a maintainer"):
        services.component_create(
            actor=_a(coord), purl="pkg:pypi/x", maintainer_org=vendor.organisation
        )


def test_update_is_audited_with_the_change(coord: User) -> None:
    c = services.component_create(actor=_a(coord), purl="pkg:pypi/x")
    services.component_update(actor=_a(coord), component=c, description="New")
    event = AuditEvent.objects.filter(action="component.updated").get()
    assert event.data == {"changed": {"description": "New"}}


def test_contact_with_valid_openpgp_key_records_fingerprint(coord: User) -> None:
    c = services.component_create(actor=_a(coord), purl="pkg:pypi/x")
    key = pysequoia.Tsk.generate("Sec <sec@example.org>").extract_certificate()
    contact = services.contact_add(
        actor=_a(coord),
        component=c,
        channel="email",
        address="Sec@Example.org",
        openpgp_key=str(key),
    )
    assert contact.address == "sec@example.org"
    assert contact.openpgp_fingerprint == key.fingerprint.upper()
    assert "PUBLIC KEY BLOCK" in contact.openpgp_key


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        (
            (
                "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nnot base64\n"
                "-----END PGP PUBLIC KEY BLOCK-----"
            ),
            "not a valid OpenPGP public key",
        ),
        ("hello", "not a valid OpenPGP public key"),
        (
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\nxyz\n-----END PGP PRIVATE KEY BLOCK-----",
            "private key",
        ),
    ],
)
def test_invalid_openpgp_keys_are_rejected(coord: User, key: str, fragment: str) -> None:
    c = services.component_create(actor=_a(coord), purl="pkg:pypi/x")
    with pytest.raises(InvalidInput) as err:
        services.contact_add(
            actor=_a(coord),
            component=c,
            channel="email",
            address="sec@example.org",
            openpgp_key=key,
        )
    assert err.value.field == "openpgp_key"
    assert fragment in err.value.message
    assert not SecurityContact.objects.exists()


def test_secret_key_material_is_rejected(coord: User) -> None:
    c = services.component_create(actor=_a(coord), purl="pkg:pypi/x")
    secret = str(pysequoia.Tsk.generate("Sec <sec@example.org>"))
    assert "PRIVATE KEY BLOCK" in secret
    with pytest.raises(InvalidInput, match=r"private key|secret key material"):
        services.contact_add(
            actor=_a(coord),
            component=c,
            channel="email",
            address="sec@example.org",
            openpgp_key=secret,
        )


@pytest.mark.parametrize(
    ("channel", "address", "fragment"),
    [
        ("email", "not-an-email", "valid e-mail"),
        ("url", "javascript:alert(1)", r"valid http\(s\) URL"),
        ("github-private-reporting", "https://gitlab.com/a/b", "github.com"),
        ("pigeon", "coo", "unknown channel"),
    ],
)
def test_contact_addresses_are_validated_per_channel(
    coord: User, channel: str, address: str, fragment: str
) -> None:
    c = services.component_create(actor=_a(coord), purl="pkg:pypi/x")
    with pytest.raises(InvalidInput, match=fragment):
        services.contact_add(actor=_a(coord), component=c, channel=channel, address=address)
    assert not SecurityContact.objects.exists()


def test_duplicate_contact_is_a_conflict(coord: User) -> None:
    c = services.component_create(actor=_a(coord), purl="pkg:pypi/x")
    services.contact_add(actor=_a(coord), component=c, channel="email", address="a@b.org")
    with pytest.raises(Conflict):
        services.contact_add(actor=_a(coord), component=c, channel="email", address="A@b.org")


def test_contacts_are_need_to_know(coord: User) -> None:
    maintainer = make_user(OrgKind.MAINTAINER, Role.MAINTAINER)
    stranger = make_user(OrgKind.MAINTAINER, Role.MAINTAINER)
    reporter = make_user(OrgKind.FINDER, Role.REPORTER)
    c = services.component_create(
        actor=_a(coord), purl="pkg:pypi/x", maintainer_org=maintainer.organisation
    )
    services.contact_add(actor=_a(coord), component=c, channel="email", address="s@x.org")
    assert selectors.contacts_visible_to(actor=_a(maintainer), component=c).count() == 1
    assert selectors.contacts_visible_to(actor=_a(coord), component=c).count() == 1
    assert selectors.contacts_visible_to(actor=_a(stranger), component=c).count() == 0
    assert selectors.contacts_visible_to(actor=_a(reporter), component=c).count() == 0


def test_contact_removal_is_audited_and_guarded(coord: User) -> None:
    maintainer = make_user(OrgKind.MAINTAINER, Role.MAINTAINER)
    c = services.component_create(actor=_a(coord), purl="pkg:pypi/x")
    contact = services.contact_add(actor=_a(coord), component=c, channel="email", address="s@x.org")
    with pytest.raises(Forbidden):
        services.contact_remove(actor=_a(maintainer), contact_id=contact.pk)
    services.contact_remove(actor=SYSTEM, contact_id=contact.pk)
    assert not SecurityContact.objects.exists()
    assert AuditEvent.objects.filter(action="contact.removed").exists()
    with pytest.raises(NotFound):
        services.contact_remove(actor=SYSTEM, contact_id=contact.pk)


def test_component_search_and_filters(coord: User) -> None:
    services.component_create(
        actor=_a(coord), purl="pkg:pypi/flask", critical=True, sectors=["finance"]
    )
    services.component_create(actor=_a(coord), purl="pkg:npm/express")
    a = _a(coord)
    assert [c.purl for c in selectors.components_visible_to(actor=a, query="fla")] == [
        "pkg:pypi/flask"
    ]
    assert selectors.components_visible_to(actor=a, ecosystem="npm").count() == 1
    assert selectors.components_visible_to(actor=a, critical=True).count() == 1
