"""Publication: an advisory drafted from a case, reviewed, approved, scheduled, and released
by the scheduler at the embargo's end: every format at once, or none."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from akrites.audit.models import AuditEvent
from akrites.cases.models import CaseEmbargo
from akrites.domain.errors import Conflict, InvalidInput
from akrites.publication import render, services, signing
from akrites.publication.models import PublishedDocument, PublishedPackage
from tests.publication_helpers import approved, published, ready_case


@pytest.mark.django_db
def test_the_draft_is_made_from_the_case() -> None:
    flow = ready_case()
    record = services.advisory_record(flow.advisory)
    assert flow.advisory.identifier.startswith(f"AKR-{timezone.now().year}-")
    assert record.title == "Heap overflow in the Quetzal frame decoder"
    assert [p.purl for p in record.affected] == ["pkg:pypi/quetzal"]
    assert record.affected[0].fixed_versions == ("2.4.1",)
    assert record.cvss_v3 is not None
    assert {c.name for c in record.credits} == {"Osprey Labs research team", "Akrites SIRT"}
    assert any(r.type.value == "fix" for r in record.references)


@pytest.mark.django_db
def test_scheduled_release_waits_for_the_embargo_then_publishes_everything() -> None:
    flow = approved(ready_case())
    services.advisory_step(actor=flow.coord, advisory=flow.advisory, step="schedule")
    flow.advisory.refresh_from_db()
    end = CaseEmbargo.objects.get(case=flow.case).end_at
    assert flow.advisory.release_at == end
    assert services.publish_due(now=end - timedelta(minutes=1)) == []
    assert not PublishedDocument.objects.exists()
    assert services.publish_due(now=end + timedelta(minutes=1)) == [flow.advisory.identifier]
    flow.advisory.refresh_from_db()
    flow.case.refresh_from_db()
    assert flow.advisory.state == "published"
    assert flow.case.state == "published"
    kinds = set(PublishedDocument.objects.filter(current=True).values_list("kind", flat=True))
    assert kinds == {"osv", "csaf", "csaf-vex", "openvex", "cyclonedx"}
    osv = json.loads(PublishedDocument.objects.get(kind="osv").content)
    assert osv["affected"][0]["package"] == {
        "ecosystem": "PyPI",
        "name": "quetzal",
        "purl": "pkg:pypi/quetzal",
    }
    assert [c["name"] for c in osv["credits"]][:1] == ["Osprey Labs research team"]
    assert list(PublishedPackage.objects.values_list("ecosystem", "name")) == [("PyPI", "quetzal")]
    assert CaseEmbargo.objects.get(case=flow.case).status == "ended"


@pytest.mark.django_db
def test_a_crash_half_way_leaves_nothing_public_and_the_next_run_completes(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    flow = approved(ready_case())
    services.advisory_step(actor=flow.coord, advisory=flow.advisory, step="schedule")
    flow.advisory.refresh_from_db()
    after = flow.advisory.release_at + timedelta(minutes=1)
    real = signing.sign_detached
    calls = {"n": 0}

    def failing(data: bytes):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:  # the third document: two are already written
            raise OSError("disk full")
        return real(data)

    monkeypatch.setattr(render.store, "__kwdefaults__", {"sign": failing})
    with pytest.raises(OSError, match="disk full"):
        services.publish_due(now=after)
    assert not PublishedDocument.objects.exists()
    assert not PublishedPackage.objects.exists()
    flow.advisory.refresh_from_db()
    flow.case.refresh_from_db()
    assert (flow.advisory.state, flow.case.state) == ("scheduled", "fix_ready")
    monkeypatch.setattr(render.store, "__kwdefaults__", {"sign": real})
    assert services.publish_due(now=after) == [flow.advisory.identifier]
    assert PublishedDocument.objects.filter(current=True).count() == 5


@pytest.mark.django_db
def test_approval_needs_a_complete_record_and_says_what_is_missing() -> None:
    flow = ready_case()
    services.advisory_update(actor=flow.coord, advisory=flow.advisory, raw={"cvss_v3": None})
    services.advisory_step(actor=flow.coord, advisory=flow.advisory, step="submit_for_review")
    with pytest.raises(InvalidInput, match="a severity"):
        services.advisory_step(actor=flow.coord, advisory=flow.advisory, step="approve")
    flow.advisory.refresh_from_db()
    assert flow.advisory.state == "review"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"cve_id": "CVE-26-1"}, "cve_id"),
        ({"cvss_v3": "CVSS:3.1/AV:X"}, "cvss_v3"),
        ({"cwes": [{"id": "CWE-abc"}]}, "cwes[0].id"),
        (
            {
                "affected": [
                    {
                        "purl": "pkg:pypi/quetzal",
                        "ranges": [{"introduced": "0", "fixed": "not a version!"}],
                    }
                ]
            },
            "affected[0].ranges[0].fixed",
        ),
        (
            {"credits": [{"name": "Someone", "type": "finder", "consent": False}]},
            "credits[0].consent",
        ),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_edits_are_refused_and_change_nothing(raw, field) -> None:  # type: ignore[no-untyped-def]
    flow = ready_case()
    before = services.advisory_record(flow.advisory)
    with pytest.raises(InvalidInput) as err:
        services.advisory_update(actor=flow.coord, advisory=flow.advisory, raw=raw)
    assert err.value.field == field
    flow.advisory.refresh_from_db()
    assert services.advisory_record(flow.advisory) == before


@pytest.mark.django_db
def test_publishing_under_an_active_embargo_is_refused() -> None:
    flow = approved(ready_case())
    with pytest.raises(InvalidInput, match="the embargo has ended"):
        services.advisory_step(actor=flow.coord, advisory=flow.advisory, step="publish")
    assert not PublishedDocument.objects.exists()


@pytest.mark.django_db
def test_revision_and_withdrawal_keep_the_history() -> None:
    flow = published(ready_case())
    later = flow.advisory.published_at + timedelta(hours=1)
    services.advisory_update(
        actor=flow.coord, advisory=flow.advisory, raw={"title": "Heap overflow in Quetzal 1.x"}
    )
    public = json.loads(PublishedDocument.objects.get(kind="osv", current=True).content)
    assert public["summary"] == "Heap overflow in the Quetzal frame decoder"  # not yet
    services.advisory_step(
        actor=flow.coord, advisory=flow.advisory, step="revise", reason="typo", now=later
    )
    docs = PublishedDocument.objects.filter(kind="osv").order_by("revision")
    assert [(d.revision, d.current) for d in docs] == [(1, False), (2, True)]
    assert json.loads(docs[1].content)["summary"] == "Heap overflow in Quetzal 1.x"
    services.advisory_step(
        actor=flow.coord,
        advisory=flow.advisory,
        step="withdraw",
        reason="not a flaw after all",
        now=later + timedelta(hours=1),
    )
    osv = json.loads(PublishedDocument.objects.get(kind="osv", current=True).content)
    assert "withdrawn" in osv
    flow.advisory.refresh_from_db()
    assert flow.advisory.state == "withdrawn"
    with pytest.raises(Conflict):
        services.advisory_update(actor=flow.coord, advisory=flow.advisory, raw={"title": "x"})
    steps = [
        d["step"]
        for d in AuditEvent.objects.filter(action="advisory.published").values_list(
            "data", flat=True
        )
    ]
    assert steps == ["publish", "revise", "withdraw"]
