"""Sample a week for quality review by hand (the worker does it each Monday), or check a sampled week's random picks
against its stored seed."""

from django.core.management.base import BaseCommand, CommandError

from quality import sampling, selectors
from quality.errors import QualityError
from quality.weeks import parse_week


class Command(BaseCommand):
    help = "Sample the week of YYYY-MM-DD for quality review (a week sampled already is left as it is)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("week", help="any day of the week, YYYY-MM-DD")
        parser.add_argument("--check", action="store_true", help="draw the random picks again from the stored seed")

    def handle(self, *args, week: str, check: bool, **options) -> None:
        week_start = parse_week(week)
        if week_start is None:
            raise CommandError(f"not a date: {week!r}")
        if check:
            run = selectors.run_of(week_start)
            if run is None:
                raise CommandError(f"the week of {week_start} has not been sampled")
            stored = {number: found["random"] for number, found in run.outcome.items() if "random" in found}
            same = sampling.redraw(run) == stored
            self.stdout.write(f"week of {week_start}, seed {run.seed}: {'same picks' if same else 'DIFFERENT picks'}")
            if not same:
                raise CommandError("the stored seed does not draw the stored picks")
            return
        try:
            run = sampling.sample_week(week_start)
        except QualityError as refused:
            raise CommandError(refused.message) from refused
        for number, found in sorted(run.outcome.items()):
            self.stdout.write(
                f"{number}: {found.get('replies', 0)} replies, picked {found.get('random', [])} "
                f"and {found.get('other', [])} {found.get('why', '')}".rstrip()
            )
