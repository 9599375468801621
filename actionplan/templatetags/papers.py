"""What the board papers' templates need beyond the GOV.UK tags: the cover's RAG chart, each
exception's action code and latest progress, and the texts of the PDF's running headers and
footers."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from actionplan.templatetags.plain_text import plain_text
from actionplan.templatetags.status_tags import as_at_url

register = template.Library()

BAR_START, BAR_WIDTH, ROW = 100, 300, 22


@register.simple_tag
def rag_chart(chart):
    """The paper's RAG chart (papers.rag_chart): a bar per RAG with its label and count, as an SVG
    whose colours are attributes (no inline style, for the Content-Security-Policy). The numbers
    are in the summary table beside it, so the chart is hidden from screen readers."""
    rows = []
    for n, bar in enumerate(chart):
        y = n * ROW
        width = BAR_WIDTH * bar["width"] / 100
        rows.append(
            (
                y + 15,
                bar["label"],
                BAR_START,
                y + 3,
                f"{width:.1f}",
                bar["colour"],
                BAR_START + width + 6,
                y + 15,
                bar["count"],
            )
        )
    body = format_html_join(
        "",
        '<text x="0" y="{}" font-size="13">{}</text><rect x="{}" y="{}" width="{}" height="16" fill="{}"></rect>'
        '<text x="{}" y="{}" font-size="13" font-weight="bold">{}</text>',
        rows,
    )
    return format_html(
        '<svg class="app-paper-chart" viewBox="0 0 460 {}" aria-hidden="true" focusable="false" '
        'xmlns="http://www.w3.org/2000/svg">{}</svg>',
        ROW * len(chart),
        body,
    )


@register.filter
def css_string(value):
    """Text for a CSS string in the print page's <style> (the running headers): quotes and
    backslashes escaped, and "<" written as a CSS escape so the text can never close the element."""
    text = " ".join(str(value).split())
    text = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3C ")
    return mark_safe(text)


# A paper lists hundreds of exceptions, each with its code and latest progress: written by these
# tags rather than two template includes a row, which were most of a big report's rendering time.


@register.simple_tag(takes_context=True)
def action_code(context, row):
    """The row's action code: a link to the action (as at the page's date) on the web page, bold
    in the PDF and print page (`web` in the context)."""
    if context.get("web"):
        return format_html(
            '<a class="govuk-link" href="{}">{}</a>', as_at_url(context, "actionplan:action", row["pk"]), row["code"]
        )
    return format_html("<strong>{}</strong>", row["code"])


@register.simple_tag
def latest_progress(latest):
    """The latest progress a paper shows for an action: its date and words, and who signed it off."""
    if not latest:
        return "No progress reported."
    signed_off = (
        format_html('<p class="govuk-body-s app-paper-signed-off">{}</p>', latest["signed_off"])
        if latest.get("signed_off")
        else ""
    )
    return format_html("<strong>{}:</strong> {}{}", latest["reported_on"], plain_text(latest["narrative"]), signed_off)
