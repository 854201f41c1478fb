from __future__ import annotations

import pytest
from django.test import Client

from akrites.accounts.models import User
from akrites.domain.permissions import OrgKind, Role
from tests.factories import make_user, sign_in


@pytest.fixture
def coordinator(db: None) -> User:
    return make_user(OrgKind.SIRT, Role.ADMIN, Role.COORDINATOR)


@pytest.fixture
def coordinator_client(coordinator: User) -> Client:
    return sign_in(Client(), coordinator)
