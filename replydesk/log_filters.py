"""Log records shaped for the operator reading the console."""

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """A 4xx answer (a 403 for a page the role may not see, a 400 for a damaged form) is the client's, not a fault of
    the desk: one line each, without the traceback Django attaches to the PermissionDenied or BadRequest it caught.
    5xx records keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
