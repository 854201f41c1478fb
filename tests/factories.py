"""Factories: every test builds exactly the data it needs."""

from __future__ import annotations

from typing import Any

import factory
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from akrites.accounts.models import Organisation, RoleAssignment, User
from akrites.domain.permissions import OrgKind, Role
from akrites.registry.models import Component

PASSWORD = "correct horse battery staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"organisation-{n}")
    kind = OrgKind.FINDER.value


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    organisation = factory.SubFactory(OrganisationFactory)
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        for role in extracted or ():
            RoleAssignment.objects.create(user=self, role=Role(role).value)


def make_user(
    kind: OrgKind | str, *roles: Role | str, org: Organisation | None = None, **kwargs: Any
) -> User:
    """A user with ``roles`` in a new organisation of ``kind`` (or in ``org``)."""
    organisation = org or OrganisationFactory(kind=OrgKind(kind).value)
    user: User = UserFactory(organisation=organisation, roles=[Role(r) for r in roles], **kwargs)
    return user


def sign_in(client: Client, user: User, *, verified: bool = True) -> Client:
    """Sign ``user`` in; SIRT users (and anyone with an authenticator) pass the second factor
    when ``verified``."""
    client.force_login(user)
    if verified:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


class ComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Component

    purl = factory.Sequence(lambda n: f"pkg:pypi/package-{n}")
    ecosystem = "PyPI"
    name = factory.Sequence(lambda n: f"package-{n}")
