"""What can go wrong with the guidelines; each error carries a message fit to show to the person."""

from django.utils.translation import gettext as _


class GuidelinesError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAllowedToPublish(GuidelinesError):
    def __init__(self):
        super().__init__(_("Only administrators publish the guidelines."))


class NothingToPublish(GuidelinesError):
    def __init__(self):
        super().__init__(_("Write the guidelines in Japanese, in English or in both; both are empty."))


class UnchangedText(GuidelinesError):
    def __init__(self, number: int):
        super().__init__(
            _("The text is the same as version %(number)d, the version in force: nothing was published.")
            % {"number": number}
        )


class PublishedMeanwhile(GuidelinesError):
    """The form was written from a version that is no longer the newest: publishing would drop the other's change."""

    def __init__(self, number: int, by: str):
        self.number = number
        super().__init__(
            _(
                "%(by)s published version %(number)d while you were writing. Nothing was published: your text is "
                "kept below. Compare it with version %(number)d, then publish again."
            )
            % {"number": number, "by": by}
        )


class OutdatedVersion(GuidelinesError):
    """A stale page asked to accept a version that is no longer the newest."""

    def __init__(self, number: int):
        super().__init__(
            _(
                "Version %(number)d of the guidelines was published since that page was shown. Nothing was recorded: "
                "read version %(number)d below and accept it."
            )
            % {"number": number}
        )


class NoSuchVersion(GuidelinesError):
    def __init__(self):
        super().__init__(_("No guidelines have been published yet: there is nothing to accept."))


class NotAllowedToAcknowledge(GuidelinesError):
    def __init__(self):
        super().__init__(_("Only active members of the desk accept the guidelines."))


class NotAllowedToOversee(GuidelinesError):
    def __init__(self):
        super().__init__(_("Only supervisors, administrators and compliance officers see and export the acceptances."))
