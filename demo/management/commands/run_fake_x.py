"""python manage.py run_fake_x: the fake X API on loopback, with simulated customers writing to the account and people
talking about the company without @mentioning it (what the demo's listening streams hear)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand

from demo.fake_x import FakeX
from demo.fake_x.customers import CustomerSimulator, SimulatedPost


class Command(BaseCommand):
    help = (
        "Run the fake X API v2 in the foreground (Ctrl-C stops it): pre-fills a few customer questions and a week of "
        "talk about the company, then adds a question every --interval seconds and, now and then, a post about the "
        "company without an @mention (sometimes a quote of the account's post). Point the desk at it with "
        "X_API_BASE_URL=http://127.0.0.1:PORT."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default: loopback only).")
        parser.add_argument("--port", type=int, default=8099)
        parser.add_argument(
            "--account-id",
            default=getattr(settings, "X_ACCOUNT_ID", "") or "1600000000000000001",
            help="The support account's X user id (default: X_ACCOUNT_ID).",
        )
        parser.add_argument(
            "--username",
            default=getattr(settings, "X_ACCOUNT_USERNAME", "") or "replydesk_support",
            help="The support account's handle, without @ (default: X_ACCOUNT_USERNAME).",
        )
        parser.add_argument("--interval", type=float, default=20.0, help="Seconds between new customer posts.")
        parser.add_argument("--prefill", type=int, default=5, help="Questions waiting when the server starts.")
        parser.add_argument(
            "--talk-days", type=int, default=7, help="Days of backdated talk about the company (0 for none, at most 7)."
        )
        parser.add_argument(
            "--talk-rate",
            type=float,
            default=0.5,
            help="Chance, every --interval, of a post about the company without an @mention (0 for none).",
        )
        parser.add_argument("--seed", type=int, default=None, help="Seed for reproducible customers.")

    def handle(self, *args, **options):
        fake = FakeX(
            account_id=options["account_id"],
            account_username=options["username"],
            host=options["host"],
            port=options["port"],
        )
        fake.start()
        try:
            self.stdout.write(
                f"Fake X API for @{fake.account_username} (id {fake.account_id}) on {fake.url} — "
                f"set X_API_BASE_URL={fake.url}. Ctrl-C to stop."
            )
            simulator = CustomerSimulator(
                fake, seed=options["seed"], talk_rate=min(1.0, max(0.0, options["talk_rate"]))
            )
            for post in simulator.prefill(max(0, options["prefill"])):
                self._say(post)
            talk = simulator.prefill_talk(max(0, options["talk_days"])) if options["talk_days"] > 0 else []
            if talk:
                self.stdout.write(f"{len(talk)} posts about the company over the last {options['talk_days']} days.")
            interval = max(0.1, options["interval"])
            while True:
                time.sleep(interval)
                self._say(simulator.step())
                said = simulator.maybe_talk()
                if said is not None:
                    self._say(said)
        except KeyboardInterrupt:
            self.stdout.write("Stopping the fake X API.")
        finally:
            fake.stop()

    def _say(self, post: SimulatedPost) -> None:
        kind = {"talk": "talk (no mention)", "quote": "quote of the account"}.get(post.kind)
        kind = kind or ("follow-up mention" if post.follow_up else "new mention")
        self.stdout.write(f"[{time.strftime('%H:%M:%S')}] {kind} {post.tweet_id} @{post.username}: {post.text}")
