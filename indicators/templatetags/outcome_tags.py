"""Outcome RAG tags and ASCOF comparisons, shown alike on the outcome, benchmark and exception pages."""

from django import template
from django.utils.html import format_html

from config.presentation import muted, tag
from indicators.formatting import format_number
from indicators.models import RED_OUTCOME_DEFINITION

register = template.Library()

JUDGEMENT = {
    "better": ("green", "Better than England"),
    "same": ("", "Same as England"),
    "worse": ("red", "Worse than England"),
}
TREND = {
    "improved": ("↑", "Improved"),
    "deteriorated": ("↓", "Deteriorated"),
    "unchanged": ("↔", "Unchanged"),
}


@register.simple_tag
def outcome_rag(rating):
    """A director's rating as a tag; "Not rated" when there is none."""
    if rating is None:
        return muted("Not rated")
    return tag(rating.get_rag_display(), rating.rag)


@register.simple_tag
def red_definition():
    return RED_OUTCOME_DEFINITION


@register.simple_tag
def against_england(measure):
    judgement = measure.against_england
    if judgement is None:
        return muted("No figure to compare")
    value, words = JUDGEMENT[judgement]
    return tag(words, value)


@register.simple_tag
def trend(measure):
    """The trend arrow, by polarity: ↑ always means better, whichever way the number moved."""
    if measure.trend is None:
        return muted("No figure this year")
    arrow, words = TREND[measure.trend]
    return format_html('<span class="app-outlook"><span aria-hidden="true">{}</span> {}</span>', arrow, words)


@register.filter
def signed(value, places=1):
    """+0.3, -4.9, 0: a change with its sign, rounded to at most `places` decimals."""
    if value is None:
        return ""
    rounded = round(value, int(places))
    if not rounded:
        return "0"
    text = format_number(rounded)
    return f"+{text}" if rounded > 0 else text
