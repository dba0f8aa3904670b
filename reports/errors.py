"""What the reports refuse, each with a sentence for the person."""


class ReportError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadPeriod(ReportError):
    pass


class NoSuchWeeklyReport(ReportError):
    pass
