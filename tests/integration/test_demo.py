"""The demo shows both behaviours: a published PyPI advisory and a case under embargo."""

from __future__ import annotations

import json

import pytest

from akrites.cases.models import Case, CaseEmbargo
from akrites.demo import seed_demo
from akrites.intake.engine import reset_engine
from akrites.publication.models import Advisory, PublishedDocument


@pytest.mark.django_db
def test_demo_has_one_published_pypi_advisory_and_one_embargoed_case() -> None:
    reset_engine()
    assert seed_demo()
    published = Advisory.objects.get(state="published")
    osv = json.loads(
        PublishedDocument.objects.get(advisory=published, kind="osv", current=True).content
    )
    assert osv["affected"][0]["package"]["ecosystem"] == "PyPI"
    assert osv["affected"][0]["package"]["name"] == "urllib3"
    assert "First Continental Bank security team" in [c["name"] for c in osv["credits"]]
    embargoed = CaseEmbargo.objects.get(status="active").case
    assert embargoed.state == "maintainer_notified"
    assert embargoed.reports.count() == 2  # two finders, one case
    assert not Advisory.objects.filter(case=embargoed).exists()
    assert Case.objects.get(pk=published.case_id).state == "published"
    assert not seed_demo()  # once only
