"""A loopback HTTP server that answers like X API v2 for what the inbox uses, with switchable faults.

    with FakeX(account_id="1600000000000000001", account_username="replydesk_support") as fake:
        fake.mention("tanaka_yuki", "注文した商品がまだ届きません")
        channel = make_x_channel(..., api_base_url=fake.url)

Endpoints: GET /2/users/{id}/mentions, GET /2/tweets/search/recent, GET /2/tweets/counts/recent, POST /2/tweets,
GET /2/tweets/{id}, DELETE /2/tweets/{id}, GET /2/users/me. Any Authorization header is accepted (signatures are not
checked); a request without one gets 401. Every answer carries x-rate-limit-limit/-remaining/-reset. `usage` tallies
what listening would cost on X: posts returned by search and counts requests.
"""

import base64
import binascii
import contextlib
import html
import json
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from .faults import Faults
from .store import MENTION, SEARCH_WINDOW, FakeTweet, FakeUser, Store, Usage, XProblem

TWEET_FIELDS = [
    "article",
    "attachments",
    "author_id",
    "card_uri",
    "community_id",
    "context_annotations",
    "conversation_id",
    "created_at",
    "display_text_range",
    "edit_controls",
    "edit_history_tweet_ids",
    "entities",
    "geo",
    "id",
    "in_reply_to_user_id",
    "lang",
    "media_metadata",
    "non_public_metrics",
    "note_tweet",
    "organic_metrics",
    "possibly_sensitive",
    "promoted_metrics",
    "public_metrics",
    "referenced_tweets",
    "reply_settings",
    "scopes",
    "source",
    "text",
    "withheld",
]
USER_FIELDS = [
    "affiliation",
    "connection_status",
    "created_at",
    "description",
    "entities",
    "id",
    "location",
    "most_recent_tweet_id",
    "name",
    "pinned_tweet_id",
    "profile_banner_url",
    "profile_image_url",
    "protected",
    "public_metrics",
    "receives_your_dm",
    "subscription_type",
    "url",
    "username",
    "verified",
    "verified_type",
    "withheld",
]
EXPANSIONS = [
    "article.cover_media",
    "article.media_entities",
    "attachments.media_keys",
    "attachments.media_source_tweet",
    "attachments.poll_ids",
    "author_id",
    "edit_history_tweet_ids",
    "entities.mentions.username",
    "geo.place_id",
    "in_reply_to_user_id",
    "entities.note.mentions.username",
    "referenced_tweets.id",
    "referenced_tweets.id.author_id",
]
MENTIONS_PARAMS = [
    "end_time",
    "expansions",
    "max_results",
    "media.fields",
    "pagination_token",
    "place.fields",
    "poll.fields",
    "since_id",
    "start_time",
    "tweet.fields",
    "until_id",
    "user.fields",
]
SEARCH_PARAMS = [
    "end_time",
    "expansions",
    "max_results",
    "media.fields",
    "next_token",
    "pagination_token",
    "place.fields",
    "poll.fields",
    "query",
    "since_id",
    "sort_order",
    "start_time",
    "tweet.fields",
    "until_id",
    "user.fields",
]
COUNTS_PARAMS = [
    "end_time",
    "granularity",
    "next_token",
    "pagination_token",
    "query",
    "search_count.fields",
    "since_id",
    "start_time",
    "until_id",
]
GRANULARITIES = ("minute", "hour", "day")
LOOKUP_PARAMS = ["expansions", "media.fields", "place.fields", "poll.fields", "tweet.fields", "user.fields"]
POST_KEYS = {
    "text",
    "reply",
    "media",
    "poll",
    "quote_tweet_id",
    "direct_message_deep_link",
    "for_super_followers_only",
    "geo",
    "reply_settings",
    "community_id",
    "nullcast",
    "card_uri",
    "made_with_ai",
    "paid_partnership",
    "share_with_followers",
}

# Requests per 15-minute window for a user-context token, by endpoint.
RATE_LIMITS = {
    "mentions": 180,
    "search": 180,
    "counts": 300,
    "post": 200,
    "delete": 50,
    "lookup": 900,
    "me": 75,
    "unknown": 900,
}
WINDOW_SECONDS = 15 * 60


def x_time(moment: datetime) -> str:
    """X's timestamp format: 2026-11-25T01:02:03.000Z."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _encode_token(oldest_id: str) -> str:
    return base64.b32encode(f"fx:{oldest_id}".encode()).decode().rstrip("=").lower()


def _decode_token(token: str, parameter: str) -> int:
    try:
        raw = base64.b32decode(token.upper() + "=" * (-len(token) % 8)).decode()
        prefix, _, value = raw.partition(":")
        if prefix != "fx" or not value.isdigit():
            raise ValueError(raw)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise XProblem.invalid(
            f"The `{parameter}` query parameter value [{token}] is not valid", parameter, token
        ) from None


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    params: dict[str, str]
    json: dict | None
    authorized: bool
    fault: str | None
    status: int | None  # None when the connection was closed without an answer
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, fake: "FakeX"):
        self.fake = fake
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request, client_address):
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30
    disable_nagle_algorithm = True  # headers and body go out in separate writes; don't wait for delayed ACKs

    def version_string(self) -> str:
        return "tsa_b"

    def log_message(self, format, *args):  # noqa: A002 - quiet: the fake keeps its own log
        pass

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_DELETE(self):
        self._handle("DELETE")

    def do_PUT(self):
        self._handle("PUT")

    def _handle(self, method: str) -> None:
        fake: FakeX = self.server.fake
        url = urlsplit(self.path)
        path = url.path
        params = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw_body) if raw_body else None
        except ValueError:
            body = None
        authorized = bool(self.headers.get("Authorization"))
        fault = fake.faults.take(method, path)
        route = fake._route_name(method, path)

        def record(status: int | None) -> None:
            fake._record(RecordedRequest(method, path, params, body, authorized, fault.kind if fault else None, status))

        if fault is not None and fault.kind == "drop":
            record(None)
            self.close_connection = True
            return
        if fault is not None and fault.kind == "rate_limit":
            reset = int(time.time() + (fault.seconds or 0))
            headers = {"x-rate-limit-limit": str(RATE_LIMITS[route]), "x-rate-limit-remaining": "0"}
            headers["x-rate-limit-reset"] = str(reset)
            record(429)
            self._send(429, _problem(429, "Too Many Requests"), headers)
            return
        if fault is not None and fault.kind == "malformed":
            record(200)
            self._send_bytes(200, fault.payload or b"", fake._rate_headers(route, count=False))
            return
        if fault is not None and fault.kind == "server_error":
            record(503)
            self._send(
                503,
                _problem(503, "Service Unavailable"),
                fake._rate_headers(route, count=False),
            )
            return

        if not authorized:
            status, payload = 401, _problem(401, "Unauthorized")
            headers = fake._rate_headers(route, count=False)
        else:
            limited = fake._rate_limited(route)
            if limited is not None:
                status, payload, headers = 429, _problem(429, "Too Many Requests"), limited
            else:
                try:
                    status, payload = fake._dispatch(method, path, params, raw_body, body)
                except XProblem as problem:
                    status, payload = problem.status, problem.body
                headers = fake._rate_headers(route, count=True)
        record(status if fault is None or fault.kind == "slow" else None)
        if fault is not None and fault.kind == "lost_response":
            self.close_connection = True
            return
        if fault is not None and fault.kind == "slow" and fake._stopping.wait(fault.seconds or 0):
            self.close_connection = True  # stopping: give up the wait
            return
        self._send(status, payload, headers)

    def _send(self, status: int, payload: dict, headers: dict[str, str]) -> None:
        self._send_bytes(status, json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode(), headers)

    def _send_bytes(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json; charset=utf-8")
            self.send_header("content-length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True


class FakeX:
    """The fake X API v2 and its control panel. Thread-safe; `start()` / `stop()` or use as a context manager."""

    def __init__(
        self,
        account_id: str = "1600000000000000001",
        account_username: str = "replydesk_support",
        account_name: str = "ReplyDesk Support",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        search_delay: float = 0.0,
        enforce_rate_limits: bool = False,
    ):
        if not str(account_id).isdigit():
            raise ValueError("account_id must be a numeric X user id")
        self.account_id = str(account_id)
        self.account_username = account_username
        self.store = Store(
            account_id=self.account_id,
            account_username=account_username,
            account_name=account_name,
            search_delay=search_delay,
        )
        self.faults = Faults()
        self.enforce_rate_limits = enforce_rate_limits
        self._host = host
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._log: list[RecordedRequest] = []
        self._log_lock = threading.Lock()
        self._windows: dict[str, list[float]] = {}

    # --- lifecycle -------------------------------------------------------------------------------------

    def start(self) -> "FakeX":
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server((self._host, self._port), self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-x", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "FakeX":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeX is not started")
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT — pass it as api_base_url."""
        return f"http://{self._host}:{self.port}"

    # --- the world -------------------------------------------------------------------------------------

    @property
    def account(self) -> FakeUser:
        return self.store.user(self.account_id)

    def add_customer(self, username: str, name: str | None = None) -> str:
        """A user; returns its id (the same handle always gives the same user)."""
        return self.store.add_user(username, name or username).id

    def user(self, user_id_or_username: str) -> FakeUser | None:
        return self.store.user(user_id_or_username) or self.store.user_by_username(user_id_or_username)

    def mention(self, customer_username: str, text: str, *, in_reply_to: str | None = None) -> str:
        """A customer's post mentioning the account; returns its id. With `in_reply_to` it replies to that post,
        in its conversation. X's reply @handles are prepended, "@account " too when `text` does not name it.
        An unknown customer is created with its handle as name."""
        author = self.store.add_user(customer_username, customer_username)
        return self.store.create(author.id, text, in_reply_to=in_reply_to, mention_account=True).id

    def post_as(
        self,
        username: str,
        text: str,
        *,
        in_reply_to: str | None = None,
        lang: str | None = None,
        at: datetime | None = None,
    ) -> str:
        """Any user's post, mentioning only whom `text` (or X's reply handles) names; returns its id. Someone
        talking about the company without @mentioning it is one of these. `lang` is X's guess at its language
        (else Japanese script means "ja"); `at` backdates it (within recent search's 7 days, for the counts)."""
        author = self.store.add_user(username, username)
        return self.store.create(author.id, text, in_reply_to=in_reply_to, lang=lang, at=at).id

    def quote(self, username: str, text: str, *, quoting: str) -> str:
        """A user's quote of post `quoting` (a quote of the account's own post summons the account); returns its
        id. The quote mentions only whom `text` names."""
        author = self.store.add_user(username, username)
        return self.store.create(author.id, text, quoting=quoting).id

    def post_as_account_directly(self, text: str) -> str:
        """A post of the account's own, made outside the desk (to be quoted); returns its id."""
        return self.store.create(self.account_id, text).id

    @property
    def usage(self) -> Usage:
        """What X would have billed for listening so far: posts read by search, counts requests."""
        return self.store.usage

    def reset_usage(self) -> None:
        self.store.reset_usage()

    def delete_tweet(self, tweet_id: str) -> bool:
        """The author deletes the post: it disappears from mentions and search, and cannot be replied to."""
        return self.store.delete(tweet_id)

    def tweet(self, tweet_id: str) -> FakeTweet | None:
        return self.store.tweet(tweet_id)

    @property
    def tweets(self) -> list[FakeTweet]:
        """Every post not deleted, oldest first."""
        return self.store.tweets()

    def replies_posted(self) -> list[FakeTweet]:
        """The account's posts (made through POST /2/tweets), oldest first."""
        return [t for t in self.store.tweets() if t.author_id == self.account_id]

    def conversation(self, conversation_id: str) -> list[FakeTweet]:
        return [t for t in self.store.tweets() if t.conversation_id == str(conversation_id)]

    # --- the request log -------------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._log_lock:
            return list(self._log)

    def clear_requests(self) -> None:
        with self._log_lock:
            self._log.clear()

    def _record(self, entry: RecordedRequest) -> None:
        with self._log_lock:
            self._log.append(entry)

    # --- rate-limit headers ----------------------------------------------------------------------------

    def _window(self, route: str) -> list[float]:
        now = time.time()
        window = self._windows.get(route)
        if window is None or now >= window[0] + WINDOW_SECONDS:
            window = self._windows[route] = [now, 0]
        return window

    def _rate_headers(self, route: str, *, count: bool) -> dict[str, str]:
        with self._log_lock:
            window = self._window(route)
            if count:
                window[1] += 1
            limit = RATE_LIMITS[route]
            return {
                "x-rate-limit-limit": str(limit),
                "x-rate-limit-remaining": str(max(0, limit - int(window[1]))),
                "x-rate-limit-reset": str(int(window[0] + WINDOW_SECONDS)),
            }

    def _rate_limited(self, route: str) -> dict[str, str] | None:
        if not self.enforce_rate_limits:
            return None
        with self._log_lock:
            window = self._window(route)
            if window[1] < RATE_LIMITS[route]:
                return None
            return {
                "x-rate-limit-limit": str(RATE_LIMITS[route]),
                "x-rate-limit-remaining": "0",
                "x-rate-limit-reset": str(int(window[0] + WINDOW_SECONDS)),
            }

    # --- the API ---------------------------------------------------------------------------------------

    @staticmethod
    def _route_name(method: str, path: str) -> str:
        if method == "GET" and re.fullmatch(r"/2/users/[^/]+/mentions", path):
            return "mentions"
        if method == "GET" and path == "/2/tweets/search/recent":
            return "search"
        if method == "GET" and path == "/2/tweets/counts/recent":
            return "counts"
        if method == "POST" and path == "/2/tweets":
            return "post"
        if method == "DELETE" and re.fullmatch(r"/2/tweets/[^/]+", path):
            return "delete"
        if method == "GET" and path == "/2/users/me":
            return "me"
        if method == "GET" and re.fullmatch(r"/2/tweets/[^/]+", path):
            return "lookup"
        return "unknown"

    def _dispatch(self, method: str, path: str, params: dict[str, str], raw_body: bytes, body) -> tuple[int, dict]:
        route = self._route_name(method, path)
        if route == "mentions":
            user_id = path.split("/")[3]
            return 200, self._mentions(user_id, params)
        if route == "search":
            return 200, self._search(params)
        if route == "counts":
            return 200, self._counts(params)
        if route == "post":
            return self._post(raw_body, body)
        if route == "delete":
            return self._delete(path.rsplit("/", 1)[1])
        if route == "me":
            _check_params(params, LOOKUP_PARAMS)
            return 200, {"data": _render_user(self.account, _fields(params, "user.fields", USER_FIELDS))}
        if route == "lookup":
            return 200, self._lookup(path.rsplit("/", 1)[1], params)
        return 404, {"errors": [{"message": "Sorry, that page does not exist", "code": 34}]}

    def _mentions(self, user_id: str, params: dict[str, str]) -> dict:
        _check_params(params, MENTIONS_PARAMS)
        if not user_id.isdigit():
            raise XProblem.invalid(f"The `id` query parameter value [{user_id}] is not valid", "id", user_id)
        if self.store.user(user_id) is None:
            raise XProblem.not_found("user", "id", user_id, f"Could not find user with id: [{user_id}].")
        max_results = _int_param(params, "max_results", default=10, low=5, high=100)
        token = params.get("pagination_token")
        found = self.store.mentions_of(user_id)
        return self._page(found, params, max_results, token, "pagination_token")

    def _search(self, params: dict[str, str]) -> dict:
        _check_params(params, SEARCH_PARAMS)
        query = params.get("query", "")
        if not query.strip():
            raise XProblem.invalid("The `query` query parameter can not be empty", "query", query)
        if len(query) > 512:
            raise XProblem.invalid(f"The `query` query parameter value [{query}] is too long", "query", query)
        max_results = _int_param(params, "max_results", default=10, low=10, high=100)
        token = params.get("next_token") or params.get("pagination_token")
        parameter = "next_token" if params.get("next_token") else "pagination_token"
        page = self._page(self.store.search(query), params, max_results, token, parameter)
        # X bills each post a search returns (the referenced posts in `includes` are not counted here).
        self.store.count_usage(search_requests=1, posts_read=page["meta"]["result_count"])
        return page

    def _counts(self, params: dict[str, str]) -> dict:
        """X's recent counts: posts matching the query per minute, hour (the default) or day over the last 7 days
        (or start_time..end_time). One request, billed once, whatever the number of posts counted."""
        _check_params(params, COUNTS_PARAMS)
        query = params.get("query", "")
        if not query.strip():
            raise XProblem.invalid("The `query` query parameter can not be empty", "query", query)
        if len(query) > 512:
            raise XProblem.invalid(f"The `query` query parameter value [{query}] is too long", "query", query)
        granularity = params.get("granularity", "hour")
        if granularity not in GRANULARITIES:
            raise XProblem.invalid(
                f"The `granularity` query parameter value [{granularity}] is not one of [{','.join(GRANULARITIES)}]",
                "granularity",
                granularity,
            )
        # X's end_time defaults to 30 seconds ago; the fake's indexing lag is `search_delay`, so it counts up to now.
        now = datetime.now(UTC)
        end = _time_param(params, "end_time") or now
        start = _time_param(params, "start_time") or now - SEARCH_WINDOW
        if start < now - SEARCH_WINDOW - timedelta(minutes=1):
            raise XProblem.invalid(
                f"Invalid 'start_time':'{params['start_time']}'. 'start_time' must be on or after "
                f"{x_time(now - SEARCH_WINDOW)}",
                "start_time",
                params["start_time"],
            )
        if end > now or end <= start:
            raise XProblem.invalid(
                f"Invalid 'end_time':'{params.get('end_time', '')}'. 'end_time' must be after 'start_time' and "
                "not in the future",
                "end_time",
                params.get("end_time", ""),
            )
        buckets = self.store.counts(query, granularity=granularity, start=start, end=end)
        self.store.count_usage(counts_requests=1)
        return {
            "data": [
                {"end": x_time(b_end), "start": x_time(b_start), "tweet_count": n} for b_start, b_end, n in buckets
            ],
            "meta": {"total_tweet_count": sum(n for _start, _end, n in buckets)},
        }

    def _page(self, found: list[FakeTweet], params, max_results: int, token: str | None, token_name: str) -> dict:
        tweet_fields = _fields(params, "tweet.fields", TWEET_FIELDS)
        user_fields = _fields(params, "user.fields", USER_FIELDS)
        expansions = _fields(params, "expansions", EXPANSIONS)
        since_id = _id_param(params, "since_id")
        until_id = _id_param(params, "until_id")
        if since_id is not None:
            found = [t for t in found if int(t.id) > since_id]
        if until_id is not None:
            found = [t for t in found if int(t.id) < until_id]
        if token:
            before = _decode_token(token, token_name)
            found = [t for t in found if int(t.id) < before]
        page = found[:max_results]
        if not page:
            return {"meta": {"result_count": 0}}
        meta = {"newest_id": page[0].id, "oldest_id": page[-1].id, "result_count": len(page)}
        if len(found) > max_results:
            meta["next_token"] = _encode_token(page[-1].id)
        response = {"data": [_render_tweet(t, tweet_fields, self.store) for t in page]}
        includes = self._includes(page, expansions, tweet_fields, user_fields)
        if includes:
            response["includes"] = includes
        response["meta"] = meta
        return response

    def _includes(self, page: list[FakeTweet], expansions: set[str], tweet_fields, user_fields) -> dict:
        user_ids: list[str] = []
        referenced: list[FakeTweet] = []
        for tweet in page:
            wanted = []
            if "author_id" in expansions:
                wanted.append(tweet.author_id)
            if "in_reply_to_user_id" in expansions and tweet.in_reply_to_user_id:
                wanted.append(tweet.in_reply_to_user_id)
            if "entities.mentions.username" in expansions:
                wanted.extend(tweet.mentioned_user_ids)
            if expansions & {"referenced_tweets.id", "referenced_tweets.id.author_id"}:
                for referenced_id in (tweet.in_reply_to_tweet_id, tweet.quoted_tweet_id):
                    parent = self.store.tweet(referenced_id) if referenced_id else None
                    if parent is None or parent.deleted:
                        continue
                    if "referenced_tweets.id" in expansions and parent not in referenced:
                        referenced.append(parent)
                    if "referenced_tweets.id.author_id" in expansions:
                        wanted.append(parent.author_id)
            for user_id in wanted:
                if user_id not in user_ids:
                    user_ids.append(user_id)
        includes: dict = {}
        users = [self.store.user(user_id) for user_id in user_ids]
        if users:
            includes["users"] = [_render_user(u, user_fields) for u in users if u is not None]
        if referenced:
            includes["tweets"] = [_render_tweet(t, tweet_fields, self.store) for t in referenced]
        return includes

    def _post(self, raw_body: bytes, body) -> tuple[int, dict]:
        if not isinstance(body, dict):
            detail = "Request body is not valid JSON." if raw_body else "Request body is required."
            raise XProblem.invalid(detail)
        extra = sorted(set(body) - POST_KEYS)
        if extra:
            raise XProblem.invalid(
                f"$.{extra[0]}: is not defined in the schema and the schema does not allow additional properties"
            )
        text = body.get("text")
        if text is not None and not isinstance(text, str):
            raise XProblem.invalid(f"$.text: {type(text).__name__} found, string expected")
        reply = body.get("reply") or {}
        in_reply_to = reply.get("in_reply_to_tweet_id")
        if in_reply_to is not None and not (isinstance(in_reply_to, str) and re.fullmatch(r"[0-9]{1,19}", in_reply_to)):
            raise XProblem.invalid(
                f"$.reply.in_reply_to_tweet_id: [{in_reply_to}] does not match the pattern ^[0-9]{{1,19}}$"
            )
        excluded = tuple(str(u) for u in reply.get("exclude_reply_user_ids") or ())
        tweet = self.store.post_as_account(text or "", in_reply_to=in_reply_to, exclude_reply_user_ids=excluded)
        text = html.escape(tweet.text, quote=False)
        return 201, {"data": {"edit_history_tweet_ids": [tweet.id], "id": tweet.id, "text": text}}

    def _delete(self, tweet_id: str) -> tuple[int, dict]:
        tweet = self.store.tweet(tweet_id)
        if tweet is not None and tweet.author_id != self.account_id:
            raise XProblem.forbidden("You are not authorized to delete this Tweet.")
        return 200, {"data": {"deleted": self.store.delete(tweet_id)}}

    def _lookup(self, tweet_id: str, params: dict[str, str]) -> dict:
        _check_params(params, LOOKUP_PARAMS)
        tweet = self.store.tweet(tweet_id)
        if tweet is None or tweet.deleted:
            kind = "https://api.twitter.com/2/problems/resource-not-found"
            detail = f"Could not find tweet with id: [{tweet_id}]."
            return {
                "errors": [
                    {
                        "value": tweet_id,
                        "detail": detail,
                        "title": "Not Found Error",
                        "resource_type": "tweet",
                        "parameter": "id",
                        "resource_id": tweet_id,
                        "type": kind,
                    }
                ]
            }
        tweet_fields = _fields(params, "tweet.fields", TWEET_FIELDS)
        response = {"data": _render_tweet(tweet, tweet_fields, self.store)}
        expansions = _fields(params, "expansions", EXPANSIONS)
        includes = self._includes([tweet], expansions, tweet_fields, _fields(params, "user.fields", USER_FIELDS))
        if includes:
            response["includes"] = includes
        return response


# --- parameters and rendering ------------------------------------------------------------------------------


def _problem(status: int, title: str) -> dict:
    return {"title": title, "detail": title, "type": "about:blank", "status": status}


def _check_params(params: dict[str, str], allowed: list[str]) -> None:
    for name, value in params.items():
        if name not in allowed:
            raise XProblem.invalid(f"The query parameter [{name}] is not one of [{','.join(allowed)}]", name, value)


def _fields(params: dict[str, str], name: str, allowed: list[str]) -> set[str]:
    raw = params.get(name)
    if raw is None:
        return set()
    values = [v for v in raw.split(",") if v]
    for value in values:
        if value not in allowed:
            raise XProblem.invalid(
                f"The `{name}` query parameter value [{value}] is not one of [{','.join(allowed)}]", name, value
            )
    return set(values)


def _int_param(params: dict[str, str], name: str, *, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise XProblem.invalid(f"The `{name}` query parameter value [{raw}] is not a valid number", name, raw)
    value = int(raw)
    if not low <= value <= high:
        raise XProblem.invalid(f"The `{name}` query parameter value [{raw}] is not between {low} and {high}", name, raw)
    return value


def _id_param(params: dict[str, str], name: str) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    if not re.fullmatch(r"[0-9]{1,19}", raw):
        raise XProblem.invalid(f"The `{name}` query parameter value [{raw}] does not match ^[0-9]{{1,19}}$", name, raw)
    return int(raw)


def _time_param(params: dict[str, str], name: str) -> datetime | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        raise XProblem.invalid(
            f"Invalid '{name}':'{raw}'. '{name}' must be a valid RFC 3339 date-time", name, raw
        ) from None


def _render_tweet(tweet: FakeTweet, fields: set[str], users: Store | None = None) -> dict:
    data: dict = {"edit_history_tweet_ids": [tweet.id], "id": tweet.id, "text": html.escape(tweet.text, quote=False)}
    if "author_id" in fields:
        data["author_id"] = tweet.author_id
    if "conversation_id" in fields:
        data["conversation_id"] = tweet.conversation_id
    if "created_at" in fields:
        data["created_at"] = x_time(tweet.created_at)
    if "in_reply_to_user_id" in fields and tweet.in_reply_to_user_id:
        data["in_reply_to_user_id"] = tweet.in_reply_to_user_id
    if "referenced_tweets" in fields and (tweet.in_reply_to_tweet_id or tweet.quoted_tweet_id):
        references = []
        if tweet.in_reply_to_tweet_id:
            references.append({"type": "replied_to", "id": tweet.in_reply_to_tweet_id})
        if tweet.quoted_tweet_id:
            references.append({"type": "quoted", "id": tweet.quoted_tweet_id})
        data["referenced_tweets"] = references
    if "display_text_range" in fields:
        data["display_text_range"] = [tweet.display_start, len(tweet.text)]
    if "lang" in fields:
        data["lang"] = tweet.lang
    if "possibly_sensitive" in fields:
        data["possibly_sensitive"] = False
    if "reply_settings" in fields:
        data["reply_settings"] = "everyone"
    if "public_metrics" in fields:
        data["public_metrics"] = {
            "retweet_count": 0,
            "reply_count": 0,
            "like_count": 0,
            "quote_count": 0,
            "bookmark_count": 0,
            "impression_count": 0,
        }
    if "edit_controls" in fields:
        data["edit_controls"] = {
            "edits_remaining": 5,
            "is_edit_eligible": False,
            "editable_until": x_time(tweet.created_at + timedelta(hours=1)),
        }
    if "entities" in fields:
        mentions = []
        for m in MENTION.finditer(tweet.text):
            mention = {"start": m.start(), "end": m.end(), "username": m.group(1)}
            # X names the user's id too when the handle is a user's.
            user = users.user_by_username(m.group(1)) if users is not None else None
            if user is not None:
                mention["id"] = user.id
            mentions.append(mention)
        if mentions:
            data["entities"] = {"mentions": mentions}
    return data


def _render_user(user: FakeUser, fields: set[str]) -> dict:
    data: dict = {"id": user.id, "name": user.name, "username": user.username}
    if "created_at" in fields:
        data["created_at"] = x_time(user.created_at)
    if "description" in fields:
        data["description"] = ""
    if "protected" in fields:
        data["protected"] = False
    if "verified" in fields:
        data["verified"] = False
    if "profile_image_url" in fields:
        data["profile_image_url"] = "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
    if "public_metrics" in fields:
        data["public_metrics"] = {"followers_count": 0, "following_count": 0, "tweet_count": 0, "listed_count": 0}
    return data
