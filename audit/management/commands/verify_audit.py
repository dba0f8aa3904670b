import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from audit.anchors import anchor_file
from audit.verify import verify_chain


class Command(BaseCommand):
    help = (
        "Re-check the audit trail: its hash chain, every entry against its sealed record, every seal against the "
        "anchors written outside the database, and entries never sealed. Seals nothing. Exits 1 and names the "
        "first bad entry if anything is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from-checkpoint",
            action="store_true",
            help="Start at the newest hourly checkpoint instead of the first entry (the head taken from the anchors).",
        )
        parser.add_argument(
            "--anchors",
            type=Path,
            default=None,
            help="Compare with this copy of the anchors (e.g. the syslog collector's) instead of AUDIT_ANCHOR_FILE.",
        )

    def handle(self, *args, from_checkpoint: bool, anchors: Path | None, **options):
        path = anchors or anchor_file()
        if anchors is not None and not anchors.exists():
            self.stderr.write(f"No anchor file at {anchors}.")
            sys.exit(2)
        self.stderr.write(f"Verifying the audit trail against the anchors in {path} …")
        result = verify_chain(
            from_checkpoint=from_checkpoint,
            anchors_path=anchors,
            progress=lambda n: self.stderr.write(f"… {n:,} entries checked"),
        )
        for note in result.notes:
            self.stdout.write(f"Note: {note}")
        if result.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"OK: {result.checked:,} entries checked, chain head at sequence {result.head_seq or 0}."
                )
            )
            return
        total = len(result.problems) + result.more_problems
        self.stdout.write(self.style.ERROR(f"FAILED: {total} problems in {result.checked:,} entries."))
        self.stdout.write(f"First bad: {result.problems[0]}")
        for problem in result.problems[1:20]:
            self.stdout.write(f"  {problem}")
        if total > 20:
            self.stdout.write(f"  … and {total - 20} more")
        sys.exit(1)
