"""The acceptances of the guidelines as CSV for the compliance officer: one row per acceptance, with the time in the
desk's time zone and in UTC, and the hash of the text accepted (which the trail's publication entry also records).
Headers in the reader's language; cells a spreadsheet would run as formulas defused as in the audit export."""

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from audit.exports import EXCEL_BOM, spreadsheet_cell


def headers() -> list[str]:
    return [
        _("Employee number"),
        _("Version"),
        _("Accepted at (%(zone)s)") % {"zone": timezone.get_current_timezone_name()},
        _("Accepted at (UTC)"),
        _("SHA-256 of the version's text"),
    ]


def csv_text(acknowledgements: Iterable[tuple[str, int, datetime, str]]) -> str:
    """`acknowledgements`: (employee number, version number, accepted at, text hash), as selectors give them."""
    out = io.StringIO()
    out.write(EXCEL_BOM)
    writer = csv.writer(out)
    writer.writerow(headers())
    for number, version, accepted_at, digest in acknowledgements:
        local = timezone.localtime(accepted_at)
        writer.writerow(
            [
                spreadsheet_cell(number),
                version,
                local.isoformat(sep=" ", timespec="seconds"),
                accepted_at.astimezone(UTC).isoformat(timespec="seconds"),
                digest,
            ]
        )
    return out.getvalue()


def filename(now: datetime | None = None) -> str:
    now = timezone.localtime(now or timezone.now())
    return f"guidelines-acceptances-{now:%Y%m%d-%H%M}.csv"
