import sys

from django.core.management.base import BaseCommand

from audit.sealer import seal_pending
from audit.verify import verify_chain


class Command(BaseCommand):
    help = "Re-check the audit trail's hash chain and checkpoints; exits 1 and names the first bad entry if any."

    def add_arguments(self, parser):
        parser.add_argument(
            "--from-checkpoint", action="store_true", help="Start at the latest checkpoint instead of the first entry."
        )
        parser.add_argument("--no-seal", action="store_true", help="Do not seal pending entries first.")

    def handle(self, *args, from_checkpoint: bool, no_seal: bool, **options):
        if not no_seal:
            sealed = seal_pending(full=True)
            if sealed:
                self.stderr.write(f"sealed {sealed} pending entries")
        result = verify_chain(
            from_checkpoint=from_checkpoint, progress=lambda n: self.stderr.write(f"… {n:,} entries checked")
        )
        if result.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"OK: {result.checked:,} entries checked, chain head at sequence {result.head_seq or 0}."
                )
            )
            return
        self.stdout.write(self.style.ERROR(f"FAILED: {len(result.problems)} problems in {result.checked:,} entries."))
        self.stdout.write(f"First bad: {result.problems[0]}")
        for problem in result.problems[1:20]:
            self.stdout.write(f"  {problem}")
        sys.exit(1)
