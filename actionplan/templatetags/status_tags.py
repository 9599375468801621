"""GOV.UK tags for RAG and delivery status, so every page colours them the same way."""

import functools
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from actionplan.status import RAG, RAG_ORDER, DeliveryStatus
from actionplan.templatetags.plain_text import plain_text
from config.presentation import muted, tag

register = template.Library()


@register.simple_tag
def rag_tag(rag):
    if not rag:
        return muted("No RAG given")
    return tag(RAG(rag).label, rag)


@register.simple_tag
def rag_bar(summary):
    """A RagSummary as a stacked bar. The numbers are in the table beside it, so the bar is
    hidden from screen readers. An SVG 100 units wide: the segments' widths are attributes, as the
    Content-Security-Policy allows no inline style."""
    segments, x = [], 0.0
    for rag, _count, percent in summary.segments():
        # Four figures are a hundredth of the bar's width: shorter than fixed decimals on a page
        # of dozens of bars.
        segments.append((rag.value, f"{x:.4g}", f"{percent:.4g}"))
        x += percent
    rects = format_html_join("", '<rect class="app-rag-bar__segment--{}" x="{}" width="{}" height="1"/>', segments)
    return format_html(
        '<svg class="app-rag-bar" viewBox="0 0 100 1" preserveAspectRatio="none" aria-hidden="true" '
        'focusable="false">{}</svg>',
        rects,
    )


@register.simple_tag
def delivery_status_tag(status):
    return tag(DeliveryStatus(status).label, status)


@register.simple_tag
def action_list_url(as_at=None, key=None, value=None, **filters):
    """The action list filtered as given, as at `as_at` (left out for today, so links stay live).
    `key`/`value` add a filter whose name is itself a variable (e.g. "accountable")."""
    if key:
        filters[key] = value
    params = {name: value for name, value in filters.items() if value not in (None, "", False)}
    if as_at and as_at != timezone.localdate():
        params["as_at"] = as_at.isoformat()
    return _action_list_path() + ("?" + urlencode(params) if params else "")


@functools.cache
def _action_list_path():
    return reverse("actionplan:action_list")


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@register.filter
def short_date(day):
    """A date as "1 Jan 2019" (Django's date:"j M Y"), "" for none. Written directly: long tables of
    dates (a board report's hundreds) spent a third of their time in the date filter."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}" if day else ""


@register.filter
def owner_codes(owners):
    """Owner codes for a table cell, comma-separated; "None named" when there are none."""
    return ", ".join(owner.code for owner in owners) or "None named"


# How each figure of a RagSummary narrows the action list when its count links there.
FIGURE_FILTERS = {
    **{rag: urlencode({"rag": rag}) for rag in RAG_ORDER},
    "overdue": urlencode({"status": DeliveryStatus.OVERDUE}),
    "slipped": "slipped=on",
    "stale": "stale=on",
    "total": "",
}


@register.simple_tag
def count_cells(summary, list_url, figures):
    """A table cell for each of `figures` of a RagSummary (space-separated; "rag" is the five RAG
    columns), its count linking to the action list at `list_url` narrowed to the actions it
    counts; 0 is not a link. For tables of class app-count-table, which style their cells and
    links: no classes on each of hundreds of cells."""
    names = [name for figure in figures.split() for name in (RAG_ORDER if figure == "rag" else [figure])]
    cells = []
    for name in names:
        count = int(getattr(summary, name) or 0)
        url = escape(f"{list_url}&{FIGURE_FILTERS[name]}" if FIGURE_FILTERS[name] else list_url)
        cells.append(f'<td><a href="{url}">{count}</a></td>' if count else "<td>0</td>")
    return mark_safe("".join(cells))


@register.simple_tag
def exception_rows(rows):
    """The board report's exceptions (ExceptionRow), a table row each: written here rather than in
    the template, as a report has hundreds of them and each row dozens of lookups (see
    board_report.html for the columns)."""
    html = []
    for row in rows:
        action = row.action
        update = action.latest_update()
        due = short_date(action.current_due_date) or "No date set"
        if action.days_slipped:
            due = f"{due} (was {short_date(action.due_date)})"
        progress = (
            f"<strong>{short_date(update.reported_on)}:</strong> {plain_text(update.narrative)}"
            if update
            else "No progress reported."
        )
        reasons = "".join(f"<li>{escape(reason)}</li>" for reason in row.reasons)
        html.append(
            '<tr class="govuk-table__row">'
            f'<td class="govuk-table__cell"><a class="govuk-link" href="{_action_path(action.pk)}">'
            f"{escape(action.code)}</a> {escape(action.title)}</td>"
            f'<td class="govuk-table__cell">{escape(owner_codes(action.accountable_owners()))}</td>'
            f'<td class="govuk-table__cell">{escape(owner_codes(action.responsible_owners()))}</td>'
            f'<td class="govuk-table__cell">{escape(due)}</td>'
            f'<td class="govuk-table__cell">{rag_tag(action.rag)}'
            f'<ul class="govuk-list govuk-body-s">{reasons}</ul></td>'
            f'<td class="govuk-table__cell govuk-body-s">{progress}</td>'
            "</tr>"
        )
    return mark_safe("".join(html))


def _action_path(pk):
    """reverse("actionplan:action", args=[pk]), once per page rather than once per row."""
    return _action_path_template().format(pk)


@functools.cache
def _action_path_template():
    return reverse("actionplan:action", args=[0]).replace("/0/", "/{}/")
