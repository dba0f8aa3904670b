"""The people of bench/day.py: employees, supervisors and a compliance officer using the desk over HTTP, as their
browsers would, from one asyncio process (aiohttp).

    .venv/bin/python bench/day_load.py CONFIG.json RESULTS.json

CONFIG (written by bench/day.py): the web servers' addresses, each person's session and CSRF cookie, the day's length
and pace. Each person keeps to one server, as a load balancer with sticky sessions would send them.

What each does, at the pace of the pages' own JavaScript:
- every employee has the inbox open: its arrivals poll every 10 s (static/js/inbox.js) with the rows it shows, the
  navigation's badge poll every 20 s (base.html); a page announcing 20 or more new questions is reloaded 10 s to 2
  minutes later (the person notices and clicks "show"), and an answerer's after each question;
- answerers (100 of the employees) take "Next question" when the desk's pace allows (a token every 60/claims-per-
  minute seconds, shared by all), open the question page (its similar answers and approval check load with it), keep
  its live poll every 3 s (static/js/question_live.js) while they write for 15-45 s, send (a tenth with a word that
  needs approval), and keep the page open until their reply's status changes or 90 s pass;
- supervisors open the approval list every 15 s, open a waiting reply and approve it; the reports' today page every
  60 s and the period every 3 minutes;
- the compliance officer filters the audit trail every 30 s and exports a filtered CSV every 2 minutes.

Why our own client rather than Locust: the day measures more than request times. How long an open page takes to
show a new question or its reply's new status needs each poll's moment, matched afterwards with the database's
timestamps, and the supervisors' and answerers' steps depend on what the previous page said (the claim token, the
waiting replies, the arrivals URL). Locust could carry that in custom events, but it runs on gevent's monkey-patched
sockets and reports percentiles from rounded buckets; one asyncio loop with aiohttp keeps every sample exact and costs
less CPU on a machine whose two cores are shared with the desk under measurement.
"""

import asyncio
import html
import json
import random
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field

import aiohttp

INBOX_POLL_SECONDS = 10.0
QUESTION_POLL_SECONDS = 3.0
BADGE_POLL_SECONDS = 20.0
RELOAD_AT_ANNOUNCED = 20
RELOAD_AFTER_SECONDS = (10.0, 120.0)
WRITING_SECONDS = (15.0, 45.0)
WATCH_AFTER_SEND_SECONDS = 90.0
APPROVAL_LIST_SECONDS = 15.0
REPORTS_TODAY_SECONDS = 60.0
REPORTS_PERIOD_SECONDS = 180.0
AUDIT_FILTER_SECONDS = 30.0
AUDIT_EXPORT_SECONDS = 120.0
REQUEST_TIMEOUT_SECONDS = 60.0

ARRIVALS_URL = re.compile(r'id="arrivals"[^>]*?hx-get="([^"]+)"')
ROW = re.compile(r'name="row" value="(\d+):(\d+)"')
LIVE_URL = re.compile(r'id="live"[^>]*?hx-get="([^"]+)"')
CLAIM_TOKEN = re.compile(r'"token": "([0-9a-f-]{36})"')
QUESTION_PATH = re.compile(r"/inbox/questions/(\d+)/$")
DRAFT_LINK = re.compile(r'href="/inbox/approvals/(\d+)/"')
SEEN = re.compile(r'name="seen" value="([0-9a-f]{64})"')
REPLIES = {
    "ja": [
        "お問い合わせありがとうございます。確認してご連絡いたします。{marker}",
        "ご不便をおかけして申し訳ありません。担当部署に確認します。{marker}",
    ],
    "approval": ["ご注文分の返金について確認いたします。少々お待ちください。{marker}"],
}


@dataclass
class Samples:
    """Every request's time (ms), status, and the moment it ended (seconds since the day began)."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, name: str, ms: float, status: str, error: str | None) -> None:
        self.latencies[name].append(round(ms, 2))
        self.statuses[name][status] += 1
        if error is not None and len(self.errors[name]) < 10:
            self.errors[name].append(error)


class Day:
    """What every person shares: the clock, the samples, the claim pace, what was observed."""

    def __init__(self, config: dict) -> None:
        self.config = config
        self.started = time.monotonic()
        self.started_wall = time.time()
        self.ends = self.started + config["ramp_seconds"] + config["seconds"]
        self.measuring_from = self.started + config["ramp_seconds"]
        self.samples = Samples()
        self.ramp_samples = Samples()
        self.rng = random.Random(config["seed"])  # noqa: S311 - a simulation
        self.claim_tokens: asyncio.Queue = asyncio.Queue()
        # Inbox pages' polls: page -> [(wall time, since, count, status)]
        self.arrival_polls: dict[str, list[tuple[float, int, int, int]]] = defaultdict(list)
        # Question pages after a send: question id -> wall times of polls that found a change
        self.changes_seen: dict[int, list[float]] = defaultdict(list)
        self.sent: list[dict] = []
        self.claims: list[dict] = []
        self.approvals: list[dict] = []
        self.requests_done = 0

    def running(self) -> bool:
        return time.monotonic() < self.ends

    def measuring(self) -> bool:
        return time.monotonic() >= self.measuring_from

    async def pace_claims(self) -> None:
        """A claim token every 60 / claims_per_minute seconds, from the end of the ramp; unused ones do not pile up."""
        interval = 60.0 / self.config["claims_per_minute"]
        await asyncio.sleep(max(0.0, self.measuring_from - time.monotonic()))
        while self.running():
            if self.claim_tokens.qsize() < 3:
                self.claim_tokens.put_nowait(True)
            await asyncio.sleep(interval)


class Browser:
    """One person's browser: their cookies, their server, their requests measured."""

    def __init__(self, day: Day, http: aiohttp.ClientSession, person: dict) -> None:
        self.day = day
        self.http = http
        self.person = person
        self.base = person["base_url"]
        self.headers = {"Cookie": person["cookie"], "X-CSRFToken": person["csrf"]}

    async def request(
        self, name: str, method: str, path: str, *, data=None, htmx: bool = False, ok=(200,)
    ) -> tuple[int, str, str]:
        """(status, body, Location); 0 when the connection failed. A status outside `ok` is an error."""
        headers = dict(self.headers)
        if htmx:
            headers["HX-Request"] = "true"
        if method == "POST":
            headers["Referer"] = self.base + path
        measuring = self.day.measuring()
        start = time.perf_counter()
        status, body, location, error = 0, "", "", None
        try:
            async with self.http.request(
                method, self.base + path, data=data, headers=headers, allow_redirects=False
            ) as response:
                body = await response.text()
                status, location = response.status, response.headers.get("Location", "")
        except (TimeoutError, aiohttp.ClientError) as failed:
            error = f"{type(failed).__name__}: {failed}"[:200]
        ms = (time.perf_counter() - start) * 1000
        if error is None and status not in ok:
            error = f"HTTP {status} for {method} {path}"
        (self.day.samples if measuring else self.day.ramp_samples).add(name, ms, str(status), error)
        self.day.requests_done += 1
        return status, body, location


class InboxPage:
    """An employee's open inbox: its arrivals poll, reloaded when it announces many new questions."""

    def __init__(self, browser: Browser, name: str) -> None:
        self.browser = browser
        self.name = name
        self.arrivals_url = ""
        self.since = 0
        self.announced = 0
        self.rows: dict[str, str] = {}
        self.reload_at: float | None = None

    async def open(self) -> None:
        self.reload_at = None
        status, body, _ = await self.browser.request("inbox page", "GET", "/inbox/")
        if status == 200:
            self._read(body, whole=True)

    def _read(self, body: str, *, whole: bool) -> None:
        found = ARRIVALS_URL.search(body)
        if found:
            self.arrivals_url = html.unescape(found.group(1))
            query = dict(part.split("=", 1) for part in self.arrivals_url.split("?", 1)[1].split("&") if "=" in part)
            self.since = int(query.get("since") or 0)
            self.announced = int(query.get("announced") or 0)
        if whole:
            self.rows = {}
        for question_id, version in ROW.findall(body):
            self.rows[question_id] = version

    async def poll_forever(self) -> None:
        day = self.browser.day
        await asyncio.sleep(day.rng.uniform(0, INBOX_POLL_SECONDS))
        while day.running():
            if self.arrivals_url:
                rows = "".join(f"&row={qid}:{version}" for qid, version in list(self.rows.items())[:25])
                status, body, _ = await self.browser.request(
                    "inbox arrivals poll", "GET", self.arrivals_url + rows, htmx=True, ok=(200, 204)
                )
                if status == 200:
                    self._read(body, whole=False)
                if status in (200, 204):
                    day.arrival_polls[self.name].append((time.time(), self.since, self.announced, status))
                if self.announced >= RELOAD_AT_ANNOUNCED and self.reload_at is None:
                    # The person notices the count and clicks "show" some time later, not all at once.
                    self.reload_at = time.monotonic() + day.rng.uniform(*RELOAD_AFTER_SECONDS)
                if self.reload_at is not None and time.monotonic() >= self.reload_at:
                    await self.open()
            await asyncio.sleep(INBOX_POLL_SECONDS)


async def badge_poll(browser: Browser) -> None:
    day = browser.day
    await asyncio.sleep(day.rng.uniform(0, BADGE_POLL_SECONDS))
    while day.running():
        await browser.request("badges poll", "GET", "/inbox/badges/", htmx=True)
        await asyncio.sleep(BADGE_POLL_SECONDS)


async def employee(day: Day, http: aiohttp.ClientSession, person: dict, index: int) -> None:
    browser = Browser(day, http, person)
    await asyncio.sleep(day.config["ramp_seconds"] * index / max(1, day.config["people"]))
    inbox = InboxPage(browser, person["number"])
    await inbox.open()
    background = [asyncio.create_task(inbox.poll_forever()), asyncio.create_task(badge_poll(browser))]
    try:
        if person["answers"]:
            await answer_questions(day, browser, inbox)
        else:
            await asyncio.sleep(max(0.0, day.ends - time.monotonic()))
    finally:
        for task in background:
            task.cancel()


async def answer_questions(day: Day, browser: Browser, inbox: InboxPage) -> None:
    number = browser.person["number"]
    while day.running():
        try:
            await asyncio.wait_for(day.claim_tokens.get(), timeout=max(0.1, day.ends - time.monotonic()))
        except TimeoutError:
            return
        status, _, location = await browser.request("next question (claim)", "POST", "/inbox/next/", ok=(302,))
        found = QUESTION_PATH.search(location)
        if status != 302 or not found:
            day.claims.append({"number": number, "question": None, "at": time.time()})
            await inbox.open()
            continue
        question_id = int(found.group(1))
        day.claims.append({"number": number, "question": question_id, "at": time.time()})
        await work_on(day, browser, question_id)
        await inbox.open()


async def work_on(day: Day, browser: Browser, question_id: int) -> None:
    path = f"/inbox/questions/{question_id}/"
    status, body, _ = await browser.request("question page", "GET", path)
    token, live = CLAIM_TOKEN.search(body), LIVE_URL.search(body)
    if status != 200 or token is None or live is None:
        return
    live_url = html.unescape(live.group(1))
    # What the page loads with it: the similar past answers and the approval check of the empty box.
    await browser.request("similar answers", "GET", f"{path}similar/", htmx=True)
    await browser.request("approval check", "POST", f"{path}approval-check/", data={"body": ""}, htmx=True)
    writing_until = time.monotonic() + day.rng.uniform(*WRITING_SECONDS)
    live_url = await watch(browser, question_id, live_url, until=writing_until, posted_before=None)
    posted_before = len(POSTED.findall(body))
    needs_approval = day.rng.random() < day.config["approval_share"]
    # A marker of its own in every reply: X refuses a post that repeats an earlier one word for word (the same
    # question's second round would otherwise be refused, as the fake X does).
    marker = f"[{question_id}.{len(day.sent) + 1}]"
    text = day.rng.choice(REPLIES["approval" if needs_approval else "ja"]).format(marker=marker)
    status, _, location = await browser.request(
        "send reply", "POST", f"{path}send/", data={"token": token.group(1), "body": text}, ok=(302,)
    )
    day.sent.append({"question": question_id, "at": time.time(), "approval": needs_approval, "status": status})
    status, body, _ = await browser.request("question page", "GET", path)
    live = LIVE_URL.search(body)
    if status == 200 and live is not None:
        await watch(
            browser,
            question_id,
            html.unescape(live.group(1)),
            until=time.monotonic() + WATCH_AFTER_SEND_SECONDS,
            posted_before=posted_before,
        )


def _since(live_url: str) -> str:
    found = re.search(r"since=(\d+)", live_url)
    return found.group(1) if found else ""


POSTED = re.compile(r'class="badge (?:sent|failed)"')


async def watch(browser: Browser, question_id: int, live_url: str, *, until: float, posted_before: int | None) -> str:
    """The question page's live poll until `until`. After a send (`posted_before`: the replies shown as posted or
    failed on the page before it), each poll that brings a new version is noted, and the person moves on once the
    page shows one more reply posted (or failed)."""
    day = browser.day
    while day.running() and time.monotonic() < until:
        await asyncio.sleep(QUESTION_POLL_SECONDS)
        status, body, _ = await browser.request("question live poll", "GET", live_url, htmx=True, ok=(200, 204))
        found = LIVE_URL.search(body) if status == 200 else None
        if found is None:
            continue
        new_url = html.unescape(found.group(1))
        changed = _since(new_url) != _since(live_url)
        live_url = new_url
        if changed and posted_before is not None:
            day.changes_seen[question_id].append(time.time())
            if len(POSTED.findall(body)) > posted_before:
                return live_url
    return live_url


async def supervisor(day: Day, http: aiohttp.ClientSession, person: dict, index: int) -> None:
    browser = Browser(day, http, person)
    await asyncio.sleep(day.rng.uniform(0, day.config["ramp_seconds"]))
    tasks = [
        asyncio.create_task(badge_poll(browser)),
        asyncio.create_task(every(day, REPORTS_TODAY_SECONDS, browser, "reports today", "/reports/")),
        asyncio.create_task(every(day, REPORTS_PERIOD_SECONDS, browser, "reports period", "/reports/period/")),
    ]
    try:
        await asyncio.sleep(day.rng.uniform(0, APPROVAL_LIST_SECONDS))
        while day.running():
            status, body, _ = await browser.request("approval list", "GET", "/inbox/approvals/")
            waiting = sorted(set(DRAFT_LINK.findall(body))) if status == 200 else []
            if waiting:
                draft = day.rng.choice(waiting)
                status, body, _ = await browser.request("approval page", "GET", f"/inbox/approvals/{draft}/")
                seen = SEEN.search(body)
                if status == 200 and seen:
                    status, _, location = await browser.request(
                        "approve", "POST", f"/inbox/approvals/{draft}/approve/", data={"seen": seen.group(1)}, ok=(302,)
                    )
                    day.approvals.append({"draft": int(draft), "at": time.time(), "location": location})
                continue
            await asyncio.sleep(APPROVAL_LIST_SECONDS)
    finally:
        for task in tasks:
            task.cancel()


async def every(day: Day, seconds: float, browser: Browser, name: str, path: str) -> None:
    await asyncio.sleep(day.rng.uniform(0, seconds))
    while day.running():
        await browser.request(name, "GET", path)
        await asyncio.sleep(seconds)


async def compliance_officer(day: Day, http: aiohttp.ClientSession, person: dict, numbers: list[str]) -> None:
    browser = Browser(day, http, person)

    async def export() -> None:
        await asyncio.sleep(day.rng.uniform(0, AUDIT_EXPORT_SECONDS))
        while day.running():
            await browser.request(
                "audit export (CSV)", "POST", "/audit/export.csv", data={"action": "inbox.reply.", "actor": ""}
            )
            await asyncio.sleep(AUDIT_EXPORT_SECONDS)

    exporting = asyncio.create_task(export())
    badges = asyncio.create_task(badge_poll(browser))
    try:
        await asyncio.sleep(day.rng.uniform(0, AUDIT_FILTER_SECONDS))
        while day.running():
            actor = day.rng.choice(numbers)
            await browser.request("audit trail filtered", "GET", f"/audit/?actor={actor}&action=inbox.question.")
            await asyncio.sleep(AUDIT_FILTER_SECONDS)
    finally:
        exporting.cancel()
        badges.cancel()


async def progress(day: Day, path: str) -> None:
    while day.running():
        await asyncio.sleep(5)
        errors = sum(len(v) for v in day.samples.errors.values())
        with open(path, "w", encoding="utf-8") as out:
            json.dump({"requests": day.requests_done, "errors": errors, "claims": len(day.claims)}, out)


async def run(config: dict, results_path: str) -> None:
    day = Day(config)
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()) as http:
        people = config["employees"]
        numbers = [person["number"] for person in people]
        tasks = [asyncio.create_task(day.pace_claims()), asyncio.create_task(progress(day, config["progress_path"]))]
        tasks += [asyncio.create_task(employee(day, http, person, i)) for i, person in enumerate(people)]
        tasks += [asyncio.create_task(supervisor(day, http, p, i)) for i, p in enumerate(config["supervisors"])]
        tasks.append(asyncio.create_task(compliance_officer(day, http, config["compliance"], numbers)))
        await asyncio.sleep(max(0.0, day.ends - time.monotonic()))
        # Requests under way finish (they are measured); nothing new starts.
        await asyncio.wait(tasks, timeout=REQUEST_TIMEOUT_SECONDS)
        for task in tasks:
            task.cancel()
    result = {
        "started_wall": day.started_wall,
        "measuring_from_wall": day.started_wall + config["ramp_seconds"],
        "seconds": config["seconds"],
        "latencies": day.samples.latencies,
        "statuses": day.samples.statuses,
        "errors": day.samples.errors,
        "ramp_statuses": day.ramp_samples.statuses,
        "ramp_errors": day.ramp_samples.errors,
        "arrival_polls": day.arrival_polls,
        "changes_seen": day.changes_seen,
        "sent": day.sent,
        "claims": day.claims,
        "approvals": day.approvals,
    }
    with open(results_path, "w", encoding="utf-8") as out:
        json.dump(result, out)


def main() -> None:
    config_path, results_path = sys.argv[1], sys.argv[2]
    with open(config_path, encoding="utf-8") as source:
        config = json.load(source)
    asyncio.run(run(config, results_path))


if __name__ == "__main__":
    main()
