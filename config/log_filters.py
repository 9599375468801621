"""Filters for settings.LOGGING."""

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """Django logs a refused request (PermissionDenied: 403, SuspiciousOperation: 400) with the
    exception's traceback. It is the client's error, not the code's: keep the one-line message
    and drop the traceback, which only buries real errors in the log."""

    def filter(self, record):
        status = getattr(record, "status_code", None)
        if status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
