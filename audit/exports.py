"""Exports of the trail as CSV or JSON Lines, streamed row by row in bounded memory.

The rows come from a server-side cursor (`iterator(chunk_size=…)`) as plain tuples, each formatted and
handed to the response as soon as it is read: a million entries cost the same memory as a thousand.
"""

import csv
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from . import recorder
from .canonical import RECORD_FIELDS
from .models import AuditEntry

CHUNK_SIZE = 2000
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson; charset=utf-8",
}
COLUMNS = ("id", *RECORD_FIELDS, "seq", "hash")
# The seal is a reverse one-to-one: reading its fields through values_list is a LEFT JOIN, so an entry the
# sealer has not reached yet comes out with None instead of raising RelatedObjectDoesNotExist.
_FIELDS = (*COLUMNS[:-2], "seal__seq", "seal__hash")
# A cell starting with one of these is a formula to a spreadsheet (CSV injection): such cells get a leading
# apostrophe in the CSV. The JSON Lines export keeps every value exactly as recorded.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel reads a CSV without a byte-order mark in the legacy code page, which garbles Japanese.
EXCEL_BOM = "\ufeff"


@transaction.atomic(durable=True)
def record_export(fmt: str, *, filters: dict[str, str], actor: Model) -> None:
    """An export is itself recorded, before the first line leaves: who took which entries out of the desk."""
    recorder.record(
        "audit.trail.exported",
        actor=actor,
        target_type="audit.trail",
        target_label=fmt,
        after={"format": fmt, "filters": filters},
    )


def filename(fmt: str, now: datetime | None = None) -> str:
    now = timezone.localtime(now or timezone.now())
    return f"audit-trail-{now:%Y%m%d-%H%M}.{fmt}"


def _rows(entries: QuerySet[AuditEntry]) -> Iterator[dict[str, Any]]:
    for values in entries.values_list(*_FIELDS).iterator(chunk_size=CHUNK_SIZE):
        row = dict(zip(COLUMNS, values, strict=True))
        row["created_at"] = row["created_at"].astimezone(UTC).isoformat()
        yield row


def _json_text(value: Any) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def spreadsheet_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


class _Line:
    """A file-like object whose write returns what was written, so csv.writer formats one row at a time."""

    def write(self, text: str) -> str:
        return text


def csv_lines(entries: QuerySet[AuditEntry]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield EXCEL_BOM + writer.writerow(COLUMNS)
    for row in _rows(entries):
        row["before"] = _json_text(row["before"])
        row["after"] = _json_text(row["after"])
        yield writer.writerow([spreadsheet_cell(row[column]) for column in COLUMNS])


def jsonl_lines(entries: QuerySet[AuditEntry]) -> Iterator[str]:
    for row in _rows(entries):
        if row["seq"] is None:
            del row["seq"], row["hash"]
        yield json.dumps(row, ensure_ascii=False) + "\n"


def lines(fmt: str, entries: QuerySet[AuditEntry]) -> Iterator[str]:
    return csv_lines(entries) if fmt == "csv" else jsonl_lines(entries)
