"""Text that a spreadsheet program would run as a formula (CSV injection).

Placeholder with the names and signatures helper "exp" gives this module (formula_safe for every
export, from_formula_safe to read a CSV back): the lead keeps exp's version when merging. The
characters are the ones the plan template already escaped.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def formula_safe(value: object) -> object:
    """`value` for a CSV cell: text that would run as a formula gets a leading apostrophe."""
    return QUOTE + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def from_formula_safe(value: object) -> object:
    """The inverse of formula_safe(), for a cell read back from a CSV file."""
    if isinstance(value, str) and value.startswith(QUOTE) and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
