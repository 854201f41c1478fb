from __future__ import annotations

from django import forms

from akrites.domain.case_events import CaseEvent

EVENT_CHOICES = [(e.value, e.value) for e in CaseEvent]


class EndpointForm(forms.Form):
    url = forms.CharField(
        max_length=2000,
        label="Endpoint URL",
        help_text="https only, on a public address, e.g. https://hooks.example.org/akrites",
    )
    description = forms.CharField(max_length=200, required=False)
    events = forms.MultipleChoiceField(
        choices=EVENT_CHOICES, widget=forms.CheckboxSelectMultiple, label="Events"
    )


class EndpointEditForm(EndpointForm):
    active = forms.BooleanField(required=False, label="Active (deliveries are sent)")


class RotateForm(forms.Form):
    grace_hours = forms.IntegerField(
        min_value=0,
        max_value=168,
        initial=24,
        label="Keep signing with the current secret for (hours)",
        help_text="0 stops the current secret at once, e.g. if it leaked",
    )
