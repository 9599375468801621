"""Server-rendered SVG chart of an indicator's values over time: no JavaScript.

The actual values as a line, the target band as dashed lines (a trajectory for "reach by a date"
targets), and each point coloured and lettered by its RAG (R, A, G), so colour is never the only
cue. Every piece of text goes through format_html; the page shows the same data as a table, the
chart's text alternative.
"""

import math

from django.utils.html import format_html
from django.utils.safestring import mark_safe

from indicators.formatting import format_number, format_quantity
from indicators.models import IndicatorRag

WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 80, 70, 24, 84
RAG_STYLE = {
    IndicatorRag.RED: ("#d4351c", "#ffffff", "R"),
    IndicatorRag.AMBER: ("#ffdd00", "#0b0c0c", "A"),
    IndicatorRag.GREEN: ("#00703c", "#ffffff", "G"),
}
NO_RAG_STYLE = ("#ffffff", "#0b0c0c", "–")
TEXT = "#0b0c0c"
GRID = "#b1b4b6"
LINE = "#505a5f"
TARGET = "#1d70b8"


def _n(number):
    """A coordinate as SVG text: format_html escapes its arguments to strings, so format first."""
    return f"{number:.1f}"


def nice_ticks(low, high, count=5):
    """Round tick values covering low..high: 0, 25, 50, 75, 100 rather than 3.7, 27.1, ..."""
    if low == high:
        low, high = (low - 1, high + 1) if low == 0 else (low - abs(low) * 0.1, high + abs(high) * 0.1)
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks, value = [], start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _band(indicator, value):
    band = indicator.target_band(value.period.end)
    if band is None:
        return None, None
    low, high = band
    return (float(low) if low is not None else None, float(high) if high is not None else None)


def describe(indicator, values):
    """The chart's <desc>: what it shows, in a sentence or two."""
    if not values:
        return f"No values have been reported for {indicator.title}."
    first, last = values[0], values[-1]
    span = first.period.label if len(values) == 1 else f"{first.period.label} to {last.period.label}"
    text = f"{indicator.title}: {len(values)} reported period{'s' if len(values) != 1 else ''}, {span}. "
    latest = format_quantity(last.actual, indicator.unit) if last.actual is not None else "no actual value"
    rag = IndicatorRag(last.rag).label if last.rag else "no RAG"
    text += f"Latest, {last.period.label}: {latest}, RAG {rag}."
    rule = indicator.rule_display()
    if rule:
        text += f" Target: {rule}."
    return text


def time_series_svg(indicator, values, benchmarks=(), chart_id="indicator-chart"):
    """The SVG for `values` (IndicatorValues with .period loaded, oldest first); "" when there are none.
    Comparators for a period on the chart are drawn beside its point as hollow squares."""
    if not values:
        return ""
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = len(values)
    xs = [LEFT + plot_width * (i + 0.5) / count for i in range(count)]
    actuals = [float(v.actual) if v.actual is not None else None for v in values]
    bands = [_band(indicator, v) for v in values]
    numeric = any(a is not None for a in actuals)
    column = {v.period_id: i for i, v in enumerate(values)}
    comparators = [(column[b.period_id], float(b.value), b) for b in benchmarks if b.period_id in column]

    parts = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" viewBox="0 0 {} {}" width="100%" '
            'role="img" aria-labelledby="{}-title {}-desc" focusable="false" '
            'font-family="arial, sans-serif" font-size="14">',
            WIDTH,
            HEIGHT,
            chart_id,
            chart_id,
        ),
        format_html('<title id="{}-title">{}</title>', chart_id, f"{indicator.title} over time"),
        format_html('<desc id="{}-desc">{}</desc>', chart_id, describe(indicator, values)),
    ]

    if numeric:
        known = [a for a in actuals if a is not None] + [b for band in bands for b in band if b is not None]
        known += [number for _, number, _ in comparators]
        low, high = min(known), max(known)
        margin = (high - low) * 0.1  # keep points off the axis
        ticks = nice_ticks(low - margin, high + margin)
        bottom, top = ticks[0], ticks[-1]

        def y(number):
            return TOP + plot_height * (1 - (number - bottom) / (top - bottom))

        for tick in ticks:
            parts.append(
                format_html(
                    '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>'
                    '<text x="{}" y="{}" text-anchor="end" dominant-baseline="middle" fill="{}">{}</text>',
                    LEFT,
                    _n(y(tick)),
                    WIDTH - RIGHT,
                    _n(y(tick)),
                    GRID,
                    LEFT - 8,
                    _n(y(tick)),
                    TEXT,
                    format_number(tick),
                )
            )
        if indicator.unit:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" fill="{}" font-size="12" text-anchor="start">{}</text>',
                    4,
                    TOP - 6,
                    TEXT,
                    indicator.unit,
                )
            )
        # The target band, as dashed lines through each period's target (a slope for a trajectory).
        for side in (0, 1):
            line = [(x, band[side]) for x, band in zip(xs, bands, strict=True) if band[side] is not None]
            if not line:
                continue
            if len(line) == 1:
                line = [(LEFT, line[0][1]), (WIDTH - RIGHT, line[0][1])]
            points = " ".join(f"{x:.1f},{y(v):.1f}" for x, v in line)
            parts.append(
                format_html(
                    '<polyline points="{}" fill="none" stroke="{}" stroke-width="3" stroke-dasharray="8 6"/>'
                    '<text x="{}" y="{}" fill="{}" font-size="13" dominant-baseline="middle">{}</text>',
                    points,
                    TARGET,
                    _n(min(line[-1][0] + 6, WIDTH - RIGHT + 4)),
                    _n(y(line[-1][1])),
                    TARGET,
                    "Target",
                )
            )
        # The actual values, joined where consecutive periods both have one.
        for i in range(count - 1):
            if actuals[i] is not None and actuals[i + 1] is not None:
                parts.append(
                    format_html(
                        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3"/>',
                        _n(xs[i]),
                        _n(y(actuals[i])),
                        _n(xs[i + 1]),
                        _n(y(actuals[i + 1])),
                        LINE,
                    )
                )
        label_ys = {}
        for index, number, benchmark in sorted(comparators, key=lambda c: (c[0], -c[1])):
            # Labels of comparators close together in one period are nudged apart to stay readable.
            label_y = max(y(number), label_ys.get(index, -100) + 16)
            label_ys[index] = label_y
            label = f"{benchmark.get_area_display()} {format_quantity(benchmark.value, indicator.unit)}"
            parts.append(
                format_html(
                    '<g><title>{}</title><rect x="{}" y="{}" width="12" height="12" fill="#ffffff" stroke="{}" '
                    'stroke-width="2"/><text x="{}" y="{}" dominant-baseline="middle" fill="{}" font-size="12">'
                    "{}</text></g>",
                    f"{label} ({benchmark.period.label})",
                    _n(xs[index] + 18),
                    _n(y(number) - 6),
                    TEXT,
                    _n(xs[index] + 36),
                    _n(label_y),
                    TEXT,
                    label,
                )
            )
        # Periods with a RAG but no actual value sit in a lane under the axis, not on the scale.
        lane = TOP + plot_height + 24
        point_ys = [y(a) if a is not None else lane for a in actuals]
        if any(a is None for a in actuals):
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="end" dominant-baseline="middle" fill="{}" font-size="12">'
                    "{}</text>",
                    LEFT - 8,
                    lane,
                    TEXT,
                    "No value",
                )
            )
    else:
        parts.append(
            format_html(
                '<text x="{}" y="{}" fill="{}">{}</text>',
                LEFT,
                TOP + 20,
                TEXT,
                "No actual values reported: each point shows the RAG rating for the period.",
            )
        )
        point_ys = [TOP + plot_height / 2] * count
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2"/>',
                LEFT,
                _n(point_ys[0]),
                WIDTH - RIGHT,
                _n(point_ys[0]),
                GRID,
            )
        )

    if numeric:
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2"/>',
                LEFT,
                TOP + plot_height,
                WIDTH - RIGHT,
                TOP + plot_height,
                TEXT,
            )
        )
    rotate = count > 6
    for x, py, value in zip(xs, point_ys, values, strict=True):
        fill, ink, letter = RAG_STYLE.get(value.rag, NO_RAG_STYLE)
        label = f"{value.period.label}: " + (IndicatorRag(value.rag).label if value.rag else value.rag_text or "no RAG")
        parts.append(
            format_html(
                '<g><title>{}</title><circle cx="{}" cy="{}" r="11" fill="{}" stroke="{}" stroke-width="2"/>'
                '<text x="{}" y="{}" text-anchor="middle" dominant-baseline="central" fill="{}" '
                'font-weight="bold" font-size="13">{}</text></g>',
                label,
                _n(x),
                _n(py),
                fill,
                TEXT,
                _n(x),
                _n(py),
                ink,
                letter,
            )
        )
        if rotate:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="end" fill="{}" font-size="12" '
                    'transform="rotate(-35 {} {})">{}</text>',
                    _n(x),
                    HEIGHT - BOTTOM + 50,
                    TEXT,
                    _n(x),
                    HEIGHT - BOTTOM + 50,
                    value.period.label,
                )
            )
        else:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle" fill="{}" font-size="13">{}</text>',
                    _n(x),
                    HEIGHT - BOTTOM + 56,
                    TEXT,
                    value.period.label,
                )
            )
    parts.append(mark_safe("</svg>"))
    # Every part above is format_html output (escaped) or a constant: joining them is safe.
    return mark_safe("".join(str(part) for part in parts))


def ascof_measure_svg(measure, chart_id):
    """A small bar chart for an ASCOF measure: England, then the council's two years. A missing
    figure is drawn as no bar and says so, never as a zero-height bar."""
    width, height, left, top, bar, gap = 300, 120, 8, 10, 24, 14
    bars = [
        (f"England {measure.england_period.label}", measure.england_value, "#505a5f"),
        (f"Oxfordshire {measure.previous_period.label}", measure.previous_value, "#5694ca"),
        (f"Oxfordshire {measure.current_period.label}", measure.current_value, "#1d70b8"),
    ]
    largest = max([float(v) for _, v, _ in bars if v is not None] or [1]) or 1
    plot = width - left - 150
    words = "; ".join(
        f"{label}: {format_quantity(value, measure.unit) if value is not None else 'not available'}"
        for label, value, _ in bars
    )
    parts = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" class="app-chart app-chart--small" viewBox="0 0 {} {}" '
            'width="{}" height="{}" role="img" aria-labelledby="{}-title" focusable="false" '
            'font-family="arial, sans-serif" font-size="12">',
            width,
            height,
            width,
            height,
            chart_id,
        ),
        format_html('<title id="{}-title">{}</title>', chart_id, f"{measure.code}: {words}"),
    ]
    for index, (label, value, colour) in enumerate(bars):
        y = top + index * (bar + gap)
        if value is None:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" fill="{}">{}</text>', left, _n(y + bar * 0.7), TEXT, "Not yet available"
                )
            )
        else:
            length = max(plot * float(value) / largest, 1)
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/><text x="{}" y="{}" fill="{}">{}</text>',
                    left,
                    y,
                    _n(length),
                    bar,
                    colour,
                    _n(left + length + 4),
                    _n(y + bar * 0.7),
                    TEXT,
                    f"{format_number(value)} {label.split(' ')[0]}",
                )
            )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(str(part) for part in parts))
