"""What can go wrong when the "how to recognise us" block is saved; each error carries a message fit to show."""

from django.utils.translation import gettext as _


class GuideError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowedToEdit(GuideError):
    def __init__(self):
        super().__init__(_("Only administrators change how customers recognise the desk."))


class ChangedMeanwhile(GuideError):
    """Someone saved another version since the editor's page was loaded: saving would silently replace theirs."""

    def __init__(self, current_version: int):
        super().__init__(
            _(
                "Another administrator saved the block while you were editing it. Your text is still in the form; "
                "compare it with the page's current block, and save again to replace theirs."
            )
        )
        self.current_version = current_version
