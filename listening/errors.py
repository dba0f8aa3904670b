"""What can go wrong in listening; each error carries a message fit to show to the person."""

from django.utils.translation import gettext as _


class ListeningError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowedToManage(ListeningError):
    def __init__(self):
        super().__init__(_("Only administrators create and change listening streams."))


class NotAllowedToNote(ListeningError):
    def __init__(self):
        super().__init__(_("Only supervisors and administrators write notes for the company."))


class InvalidStream(ListeningError):
    """The stream's settings cannot be saved; `message` says which one and why."""


class AlreadyInThatState(ListeningError):
    def __init__(self, active: bool):
        super().__init__(_("The stream is already listening.") if active else _("The stream is already paused."))
