"""``{% tlp_badge tlp %}``: the TLP 2.0 label, in FIRST's colours, wherever content is shown."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from akrites.domain.tlp import AUDIENCE, Tlp, label

register = template.Library()


@register.simple_tag
def tlp_badge(tlp: Tlp | str) -> SafeString:
    value = Tlp(tlp)
    css = "tlp-" + value.value.lower().replace("+", "-")
    return format_html(
        '<span class="tlp {}" title="May be shared with: {}">{}</span>',
        css,
        AUDIENCE[value],
        label(value),
    )
