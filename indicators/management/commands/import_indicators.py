from config.importing.command import ImportCommand
from indicators.importers.yaml_file import import_indicator_files


class Command(ImportCommand):
    help = (
        "Import indicator files (performance reports, key statistics; YAML or JSON). Every file is "
        "checked before anything is written; any error in any file changes nothing. Re-importing updates in place."
    )

    import_files = staticmethod(import_indicator_files)
