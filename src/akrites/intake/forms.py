from __future__ import annotations

from django import forms

from akrites.domain.intake.model import SeverityType


class ReportForm(forms.Form):
    """The web form for one report; the fields map one-to-one to the report format."""

    purl = forms.CharField(
        max_length=512,
        label="Affected package (Package URL)",
        help_text="e.g. pkg:pypi/django or pkg:npm/%40scope/name",
    )
    vers = forms.CharField(
        max_length=500,
        required=False,
        label="Affected versions (vers)",
        help_text="e.g. vers:pypi/>=4.2|<4.2.17",
    )
    title = forms.CharField(max_length=300)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}), max_length=100_000, help_text="Markdown"
    )
    cwes = forms.CharField(
        max_length=200,
        required=False,
        label="CWE ids",
        help_text="comma-separated, e.g. CWE-79, CWE-89",
    )
    cvss_type = forms.ChoiceField(
        choices=[("", "—")] + [(t.value, t.value) for t in SeverityType],
        required=False,
        label="CVSS version",
    )
    cvss_vector = forms.CharField(max_length=300, required=False, label="CVSS vector")
    poc = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=100_000,
        label="Proof of concept",
    )
    reproduction = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=100_000,
        label="Reproduction steps",
    )
    references = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=20_000,
        help_text="one URL per line",
    )
    intended_disclosure = forms.DateField(
        required=False,
        label="Your intended disclosure date",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reporter_ref = forms.CharField(
        max_length=200, required=False, label="Your reference (makes resubmission safe)"
    )
    ai_assisted = forms.BooleanField(required=False, label="Found with AI assistance")
    human_verified = forms.BooleanField(required=False, label="Verified by a person")
    tool = forms.CharField(max_length=200, required=False, label="Tool / model")

    def to_document(self) -> dict[str, object]:
        d = self.cleaned_data
        doc: dict[str, object] = {
            "schema_version": "1.0",
            "title": d["title"],
            "description": d["description"],
            "affected": [
                {
                    "purl": d["purl"].strip(),
                    **(
                        {"ranges": [{"type": "vers", "vers": d["vers"].strip()}]}
                        if d["vers"].strip()
                        else {}
                    ),
                }
            ],
        }
        cwes = [c.strip().upper() for c in d["cwes"].split(",") if c.strip()]
        if cwes:
            doc["cwes"] = cwes
        if d["cvss_vector"].strip():
            doc["severity"] = [
                {"type": d["cvss_type"] or "CVSS_V3", "vector": d["cvss_vector"].strip()}
            ]
        for name in ("poc", "reproduction", "reporter_ref"):
            if d[name].strip():
                doc[name] = d[name].strip()
        refs = [line.strip() for line in d["references"].splitlines() if line.strip()]
        if refs:
            doc["references"] = [{"url": u, "type": "other"} for u in refs]
        if d["intended_disclosure"]:
            doc["intended_disclosure"] = d["intended_disclosure"].isoformat()
        doc["provenance"] = {
            "ai_assisted": d["ai_assisted"],
            "human_verified": d["human_verified"],
            **({"tool": d["tool"].strip()} if d["tool"].strip() else {}),
        }
        return doc


class UploadForm(forms.Form):
    file = forms.FileField(label="Report file (Akrites JSON / JSON Lines, OSV, or SARIF 2.1.0)")
    purl = forms.CharField(max_length=512, required=False, label="Package URL (for SARIF files)")
