"""GOV.UK tags for RAG and delivery status, so every page colours them the same way."""

from django import template
from django.utils.html import format_html

from actionplan.models import RAG, DeliveryStatus

register = template.Library()

RAG_TAG = {
    RAG.RED: "govuk-tag--red",
    RAG.AMBER: "govuk-tag--yellow",
    RAG.GREEN: "govuk-tag--green",
    RAG.COMPLETE: "govuk-tag--blue",
    RAG.NOT_STARTED: "govuk-tag--grey",
}
STATUS_TAG = {
    DeliveryStatus.OVERDUE: "govuk-tag--red",
    DeliveryStatus.DUE_SOON: "govuk-tag--yellow",
    DeliveryStatus.ON_TRACK: "govuk-tag--green",
    DeliveryStatus.COMPLETE: "govuk-tag--blue",
    DeliveryStatus.NO_DATE: "govuk-tag--grey",
}


@register.simple_tag
def rag_tag(rag):
    if not rag:
        return format_html('<span class="app-inherited">{}</span>', "No RAG given")
    return format_html('<strong class="govuk-tag {}">{}</strong>', RAG_TAG[rag], RAG(rag).label)


@register.simple_tag
def delivery_status_tag(status):
    return format_html('<strong class="govuk-tag {}">{}</strong>', STATUS_TAG[status], DeliveryStatus(status).label)
