"""Recompute the reports' day figures by hand: after an import, a change of business hours or service levels, or a
worker that was down for longer than the nightly refresh looks back (REPORT_HISTORY_DAYS)."""

import time
from datetime import date, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from reports import rollups


def _day(option: str, value: str | None, default: date) -> date:
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}: not a date, give it as YYYY-MM-DD: {value!r}") from None


class Command(BaseCommand):
    help = "Recompute the reports' day figures of the local days --since..--until (inclusive), one line per day."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="first day, YYYY-MM-DD (default: REPORT_HISTORY_DAYS days ago)")
        parser.add_argument("--until", help="last day, YYYY-MM-DD (default: today)")

    def handle(self, *args, since: str | None, until: str | None, **options) -> None:
        now = timezone.now()
        today = rollups.local_day(now)
        first = _day("--since", since, today - timedelta(days=settings.REPORT_HISTORY_DAYS))
        last = _day("--until", until, today)
        if first > last:
            raise CommandError(f"--since {first} is after --until {last}")
        if first > today:
            raise CommandError(f"--since {first} is in the future (today is {today}): there is nothing to compute")
        if last > today:
            self.stdout.write(f"days after today ({today}) have no figures yet: stopping at {today}")
        started = time.monotonic()
        lap = started

        def progress(day: date, rows: int) -> None:
            nonlocal lap
            seconds, lap = time.monotonic() - lap, time.monotonic()
            self.stdout.write(f"{day}: {rows} rows in {seconds:.2f} s")

        written = rollups.refresh_days(first, last, now=now, progress=progress)
        self.stdout.write(
            self.style.SUCCESS(f"{first} to {min(last, today)}: {written} rows in {time.monotonic() - started:.1f} s")
        )
