"""What every export to a spreadsheet shares: text that a spreadsheet program would run as a formula.

Excel, LibreOffice and Google Sheets run a CSV cell that starts with one of OWASP's formula
characters (https://owasp.org/www-community/attacks/CSV_Injection), and some read the full-width
forms the same way. Every CSV export writes its text through formula_safe(), which puts an
apostrophe in front (the spreadsheet programs' own sign for "this is text"); a CSV read back goes
through from_formula_safe(), which takes it off again, so export → import loses nothing. An XLSX
export needs no apostrophe: formula_safe_cell() writes such text as a string cell.

Kept here, beside the settings, because every app's exports use it.
"""

from typing import Any, TypeVar

V = TypeVar("V")

# OWASP's list, then the same four characters in their full-width forms (U+FF1D, U+FF0B, U+FF0D, U+FF20).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
QUOTE = "'"


def _quoted(text: str) -> bool:
    """Whether from_formula_safe() takes an apostrophe off `text`."""
    return text.startswith(QUOTE) and text[1:].startswith((*FORMULA_STARTS, QUOTE))


def is_formula_like(value: object) -> bool:
    """Whether a spreadsheet would take this text for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def formula_safe(value: V) -> V | str:
    """`value` for a CSV cell: text that would run as a formula gets a leading apostrophe.

    So does text that already starts with an apostrophe before one of those characters (or another
    apostrophe), so that from_formula_safe() gives back exactly what was written. Anything that is
    not text is returned as it is.
    """
    if isinstance(value, str) and (value.startswith(FORMULA_STARTS) or _quoted(value)):
        return QUOTE + value
    return value


def from_formula_safe(value: V) -> V | str:
    """The inverse of formula_safe(), for a cell read back from a CSV file."""
    if isinstance(value, str) and _quoted(value):
        return value[1:]
    return value


def formula_safe_cell(cell: Any) -> Any:
    """Make an openpyxl cell holding formula-like text a text cell, shown without an apostrophe.

    openpyxl takes any text starting "=" for a formula; data type "s" writes it as a string, and
    the quote-prefix style keeps Excel from turning it into one when someone edits the cell.
    """
    if is_formula_like(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell
