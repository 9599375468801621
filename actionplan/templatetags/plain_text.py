"""Plain text from the papers, shown safely: paragraphs and "- " lists, every character escaped."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


def _list_html(items):
    """items: [(depth, text)] → nested <ul>, every text escaped."""
    html, depth = [], -1
    for level, text in items:
        level = min(level, depth + 1)  # an item can only open one level deeper than the last
        if level > depth:
            html.append('<ul class="govuk-list govuk-list--bullet">')
        else:
            html.append("</li>" + "</ul></li>" * (depth - level))
        html.append(f"<li>{escape(text)}")
        depth = level
    html.append("</li>" + "</ul></li>" * depth + "</ul>")
    return "".join(html)


@register.filter
def plain_text(value):
    """Render plan text: blank lines separate paragraphs, lines starting "- " are list items
    (two more spaces of indent per nesting level). No HTML in the text is ever interpreted."""
    if not value:
        return ""
    html = []
    for block in str(value).replace("\r\n", "\n").split("\n\n"):
        # Within a block, consecutive "- " lines form one list and other lines one paragraph.
        runs = []
        for line in block.split("\n"):
            if not line.strip():
                continue
            is_item = line.lstrip().startswith("- ")
            if not runs or runs[-1][0] != is_item:
                runs.append((is_item, []))
            runs[-1][1].append(line)
        for is_item, lines in runs:
            if is_item:
                html.append(_list_html([((len(x) - len(x.lstrip())) // 2, x.strip()[2:]) for x in lines]))
            else:
                html.append(f'<p class="govuk-body">{escape(" ".join(x.strip() for x in lines))}</p>')
    return mark_safe("".join(html))
