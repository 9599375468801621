"""Numbers as people read them in the papers: 66,400 not 66400.0000; 74.6% not 74.6000 %."""

from decimal import Decimal


def format_number(value):
    if value is None or value == "":
        return ""
    number = Decimal(str(value))
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,.4f}".rstrip("0").rstrip(".")


def format_quantity(value, unit=""):
    """A number with its unit: "74.6%", "-1.4% change", "66,400 contacts"."""
    text = format_number(value)
    if not text or not unit:
        return text
    if unit.startswith("%"):
        return f"{text}{unit}"  # "74.6%", "9% change"
    return f"{text} {unit}"


def format_band(band, unit=""):
    """A target band (low, high) in words: "≥ 67%", "≤ 14 people", "93% to 95%"; "" for none."""
    if band is None:
        return ""
    low, high = band
    if low is not None and high is not None:
        return f"{format_quantity(low, unit)} to {format_quantity(high, unit)}"
    if low is not None:
        return f"≥ {format_quantity(round(low, 2), unit)}"
    if high is not None:
        return f"≤ {format_quantity(round(high, 2), unit)}"
    return ""
