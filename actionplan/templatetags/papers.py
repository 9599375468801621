"""What the board papers' templates need beyond the GOV.UK tags: the cover's RAG chart, and the
texts of the PDF's running headers and footers."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

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
