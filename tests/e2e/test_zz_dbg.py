import pytest
from django.db import connection
from akrites.audit.models import AuditHead
from tests.factories import make_user

@pytest.mark.parametrize("i", [1, 2, 3])
def test_head(i, request, live_server, transactional_db):
    print(i, "django_db_serialized_rollback" in request.fixturenames, list(AuditHead.objects.values()))
    AuditHead.objects.update(seq=5)
