"""The post form: body, TLP label (never below the case's unless a coordinator lowers it),
named recipients, one attachment."""

from __future__ import annotations

from typing import Any

from django import forms

from akrites.domain.tlp import AUDIENCE, Tlp, label, restrictiveness
from akrites.messaging.services import MAX_BODY_CHARS


class PostForm(forms.Form):
    body = forms.CharField(
        label="Message", widget=forms.Textarea(attrs={"rows": 5}), max_length=MAX_BODY_CHARS
    )
    tlp = forms.ChoiceField(label="TLP label", required=False)
    recipients = forms.TypedMultipleChoiceField(
        label="Named recipients",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Named people may always read the message; for TLP:RED they (and the "
        "coordinators) are the only readers.",
    )
    file = forms.FileField(label="Attachment", required=False)

    def __init__(
        self,
        *args: Any,
        case_label: Tlp,
        may_lower: bool,
        people: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        floor = restrictiveness(case_label)
        labels = [t for t in Tlp if may_lower or restrictiveness(t) >= floor]
        self.fields["tlp"].choices = [
            ("", f"{label(case_label)}, the case's label ({AUDIENCE[case_label]})"),
            *((t.value, f"{label(t)}: {AUDIENCE[t]}") for t in labels),
        ]
        self.fields["recipients"].choices = people
        if not people:
            del self.fields["recipients"]
