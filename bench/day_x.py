"""The official account's X for bench/day.py: the project's fake X server in a process of its own, with customers
posting at a peak hour's rate, bursts, follow-ups, X's posting cap enforced and a few percent of calls failing.

Run by bench/day.py (`multiprocessing`, spawned): `serve(config, ready, stop, report_path)`. When `stop` is set it
writes what happened on X to `report_path` (JSON): every customer post with the moment it was made, every post of
the account with the post it answers and its text, and the calls the desk made (by route and outcome).
"""

import json
import random
import threading
import time
from dataclasses import asdict, dataclass

# The customers' questions of the demo (Japanese and English, an electronics retailer), routed by the demo's rules.
ACCOUNT_ID = "1600000000000000001"
ACCOUNT_USERNAME = "replydesk_support"


@dataclass(frozen=True)
class CustomerPlan:
    """What customers do on X during the day."""

    seconds: float
    # Mentions per second outside bursts: a peak hour of a day of `day_mentions` is three times the average.
    rate: float
    # Bursts: `burst_rate` mentions a second for `burst_seconds`, starting at these moments (seconds into the day).
    burst_starts: tuple[float, ...]
    burst_rate: float
    burst_seconds: float
    # Share of posts that follow up an earlier question of the same customer (in its conversation).
    follow_up_share: float
    customers: int
    # Share of the desk's calls to X that fail (503, dropped connection, or processed with the answer lost).
    fault_rate: float
    # X's cap on the account's posts per 15 minutes (enforced: the 201st post in a window gets 429).
    posting_cap: int
    seed: int
    prefill: int

    def rate_at(self, elapsed: float) -> float:
        for start in self.burst_starts:
            if start <= elapsed < start + self.burst_seconds:
                return self.burst_rate
        return self.rate


FAULT_KINDS = ("server_error", "drop", "lost_response")


def serve(plan: dict, ready, stop_posting, report_now, report_path: str) -> None:
    """The process's body: start the fake X, tell the parent its address, post as customers until `stop_posting`;
    X keeps answering (without faults) while the desk drains, and writes its report when `report_now` is set."""
    from demo.fake_x import server as fake_x_server
    from demo.fake_x.server import FakeX

    customer_plan = CustomerPlan(**plan)
    # X's cap on posts, as the day configures the desk's budget: the fake refuses the post past it with 429.
    fake_x_server.RATE_LIMITS["post"] = customer_plan.posting_cap
    fake = FakeX(account_id=ACCOUNT_ID, account_username=ACCOUNT_USERNAME, enforce_rate_limits=True)
    fake.start()
    customers = Customers(fake, customer_plan)
    for _ in range(customer_plan.prefill):
        customers.post(follow_up=False, prefill=True)
    ready.put(fake.url)
    # Faults only from the start of the day: the desk's first poll would otherwise meet them before anything runs.
    fake.faults.random(rate=customer_plan.fault_rate, kinds=FAULT_KINDS, seed=customer_plan.seed)
    posting = threading.Thread(target=customers.run, args=(time.monotonic(), stop_posting), daemon=True)
    posting.start()
    stop_posting.wait()
    posting.join(timeout=5)
    fake.faults.clear()
    # How many posts the desk must take in before the day's end checks.
    with customers.lock:
        ready.put(len(customers.posts))
    report_now.wait()
    with open(report_path, "w", encoding="utf-8") as out:
        json.dump(customers.report(), out)
    ready.put("reported")
    # The parent terminates this process once it has read the report.
    while True:
        time.sleep(3600)


@dataclass
class CustomerPost:
    id: str
    at: float  # time.time() when X created it
    follow_up: bool
    burst: bool
    # Posted before the desk started (the backlog it begins the day with): not in the post-to-inbox figure.
    prefill: bool


class Customers:
    def __init__(self, fake, plan: CustomerPlan) -> None:
        from demo.fake_x.customers import PRODUCTS, QUESTIONS, STORES

        self.fake = fake
        self.plan = plan
        self.rng = random.Random(plan.seed)  # noqa: S311 - a simulation
        self.questions = QUESTIONS
        self.products = PRODUCTS
        self.stores = STORES
        self.handles = [f"day_customer_{n:05d}" for n in range(plan.customers)]
        self.languages = {handle: ("ja" if n % 3 else "en") for n, handle in enumerate(self.handles)}
        # customer handle -> their latest question's id (a follow-up replies in its conversation)
        self.asked: dict[str, str] = {}
        self.posts: list[CustomerPost] = []
        self.lock = threading.Lock()

    def run(self, started: float, stop) -> None:
        """Posts as a Poisson process at the plan's rate of the moment (bursts included) until `stop`."""
        while not stop.is_set():
            elapsed = time.monotonic() - started
            if elapsed >= self.plan.seconds:
                stop.wait(0.2)
                continue
            rate = self.plan.rate_at(elapsed)
            stop.wait(self.rng.expovariate(rate))
            if stop.is_set():
                break
            burst = self.plan.rate_at(time.monotonic() - started) != self.plan.rate
            self.post(follow_up=self.rng.random() < self.plan.follow_up_share, burst=burst)

    def post(self, *, follow_up: bool, burst: bool = False, prefill: bool = False) -> None:
        if follow_up and self.asked:
            handle = self.rng.choice(sorted(self.asked))
            conversation = self.fake.conversation(self.asked[handle])
            answers = [t for t in conversation if t.author_id == self.fake.account_id]
            parent = answers[-1] if answers else conversation[-1]
            text = self._text(self.languages[handle], follow_up=True)
            tweet_id = self.fake.mention(handle, text, in_reply_to=parent.id)
        else:
            follow_up = False
            handle = self.rng.choice(self.handles)
            text = self._text(self.languages[handle], follow_up=False)
            tweet_id = self.fake.mention(handle, text)
            self.asked[handle] = tweet_id
        with self.lock:
            self.posts.append(CustomerPost(tweet_id, time.time(), follow_up, burst, prefill))

    def _text(self, lang: str, *, follow_up: bool) -> str:
        if follow_up:
            return self.rng.choice(
                ["追加で質問です。いつ頃になりますか？", "まだ解決していません。確認をお願いします。"]
                if lang == "ja"
                else ["One more thing: when will it be?", "Still not solved, could you check again?"]
            )
        question = self.rng.choice([q for q in self.questions if q.lang == lang])
        return question.text.format(
            order=f"{self.rng.choice('ABCDEFGHJK')}{self.rng.randint(10, 99)}-{self.rng.randint(100000, 999999)}",
            product=self.rng.choice(self.products[lang]),
            store=self.rng.choice(self.stores[lang]),
            days=self.rng.randint(3, 20),
            company="",
        )

    def report(self) -> dict:
        with self.lock:
            posts = [asdict(post) for post in self.posts]
        replies = [
            {
                "id": tweet.id,
                "in_reply_to": tweet.in_reply_to_tweet_id,
                "text": tweet.body,
                "at": tweet.created_at.timestamp(),
            }
            for tweet in self.fake.replies_posted()
        ]
        calls: dict[str, int] = {}
        for request in self.fake.requests:
            route = self.fake._route_name(request.method, request.path)
            outcome = request.fault or str(request.status)
            key = f"{route} {outcome}"
            calls[key] = calls.get(key, 0) + 1
        return {"customer_posts": posts, "account_posts": replies, "calls": calls}
