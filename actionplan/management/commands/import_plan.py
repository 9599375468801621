from actionplan.importers import import_plan_files
from config.importing.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import plan files (YAML, JSON) or the spreadsheet template (XLSX, CSV). Every file is checked before "
        "anything is written; any error in any file changes nothing. Re-importing updates in place."
    )

    import_files = staticmethod(import_plan_files)
