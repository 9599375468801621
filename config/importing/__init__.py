"""The import toolkit every importer uses: plans, partnerships and indicators.

Kept beside the settings because the apps may not import each other's importers (actionplan may
import partnerships and indicators, never the reverse). Each importer reads its file with
`files`, checks it with `readers` into a `Problems` collector that raises every problem at once
(`ImportFileError`), and writes a valid file with `saving.Writer`: all or nothing, only what
changed, in bulk.
"""

from config.importing.files import (
    DATA_SUFFIXES,
    TABLE_SUFFIXES,
    Sheet,
    read_data_file,
    read_table,
    refuse,
    suffix_of,
)
from config.importing.problems import MAX_PROBLEMS, ImportFileError, Problems, did_you_mean
from config.importing.readers import (
    MONTHS,
    check_unique,
    month_end,
    read_choice,
    read_date,
    read_decimal,
    read_list,
    read_mapping,
    read_slug,
    read_text,
    read_texts,
    read_whole_number,
)
from config.importing.saving import ImportReport, Synced, Writer, by_key, has_history, import_all

__all__ = [
    "DATA_SUFFIXES",
    "MAX_PROBLEMS",
    "MONTHS",
    "TABLE_SUFFIXES",
    "ImportFileError",
    "ImportReport",
    "Problems",
    "Sheet",
    "Synced",
    "Writer",
    "by_key",
    "check_unique",
    "did_you_mean",
    "has_history",
    "import_all",
    "month_end",
    "read_choice",
    "read_data_file",
    "read_date",
    "read_decimal",
    "read_list",
    "read_mapping",
    "read_slug",
    "read_table",
    "read_text",
    "read_texts",
    "read_whole_number",
    "refuse",
    "suffix_of",
]
