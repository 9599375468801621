from config.importing.command import ImportCommand
from partnerships.importers import import_partnerships_files


class Command(ImportCommand):
    help = (
        "Import partnerships files (YAML or JSON): boards, their hierarchy and meetings, and the JHWS priorities. "
        "Every file is checked before anything is written; any error in any file changes nothing. "
        "Re-importing updates in place."
    )

    import_files = staticmethod(import_partnerships_files)
