"""RAG tags, outlook arrows and numbers for indicator pages, so every page shows them alike."""

from django import template
from django.utils.html import format_html

from config.presentation import muted, tag
from indicators.formatting import format_number, format_quantity
from indicators.models import OUTLOOK_KEY, OUTLOOK_SYMBOLS, IndicatorRag, Outlook

register = template.Library()


@register.simple_tag
def rag_badge(rag):
    """A RAG ("red", "amber", "green") as a GOV.UK tag; "No RAG" for none."""
    if not rag:
        return muted("No RAG")
    return tag(IndicatorRag(rag).label, rag)


@register.simple_tag
def value_rag(value, show_rule=True):
    """What was reported for a value: its RAG tag, words like "Due in Q3", or the computed RAG
    marked as computed; and, where the reported RAG and the rule disagree, what the rule gives."""
    if value is None:
        return muted("Not reported")
    if value.reported_rag:
        badge = rag_badge(value.reported_rag)
        if show_rule and value.rag_disagrees():
            computed = IndicatorRag(value.computed_rag()).label
            return format_html(
                '{}<br><span class="govuk-body-s app-rag-rule">Target rule gives {}</span>', badge, computed
            )
        return badge
    computed = value.computed_rag()
    if computed:
        return format_html(
            '{}<br><span class="govuk-body-s app-rag-rule">{}</span>', rag_badge(computed), "Computed from the target"
        )
    if value.rag_text:
        return tag(value.rag_text)
    return muted("Not reported")


@register.simple_tag
def outlook(value_or_outlook):
    """↑ Improving, ↔ Stable, ↓ Deteriorating: the arrow as the report prints it, and the word."""
    key = getattr(value_or_outlook, "outlook", value_or_outlook) or ""
    if not key:
        return muted("Not given")
    return format_html(
        '<span class="app-outlook" title="{}"><span aria-hidden="true">{}</span> {}</span>',
        OUTLOOK_KEY[key],
        OUTLOOK_SYMBOLS[key],
        Outlook(key).label,
    )


@register.filter
def number(value):
    return format_number(value)


@register.filter
def quantity(value, unit=""):
    return format_quantity(value, unit)


@register.simple_tag
def outlook_key():
    """The report's outlook key, as printed under every dashboard."""
    return [(OUTLOOK_SYMBOLS[key], Outlook(key).label, text) for key, text in OUTLOOK_KEY.items()]
