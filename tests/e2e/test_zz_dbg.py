import pytest
from akrites.accounts.models import ApiToken
from akrites.domain.permissions import OrgKind, Role
from tests.e2e.helpers import sign_in
from tests.factories import make_user

def test_reload(page):
    u = make_user(OrgKind.FINDER, Role.REPORTER)
    sign_in(page, u.email)
    page.goto("/account/tokens/")
    page.get_by_label("Name").fill("x")
    page.get_by_role("button", name="Create token").click()
    page.locator("#new-token").wait_for()
    print("before reload", ApiToken.objects.count())
    r = page.reload()
    print("after reload", r.request.method, ApiToken.objects.count(), page.locator("#new-token").count())
