"""Switchable failures of the fake X server: queued ones for exact tests, random ones for soak tests.

Kinds:
  rate_limit    429 with x-rate-limit-remaining 0 and x-rate-limit-reset = now + `seconds` (default 60)
  server_error  503 with an X-style problem body; the request is not processed
  slow          the request IS processed (a post is created), then the answer waits `seconds` (default 2) —
                longer than the client's time-out, so the client gives up without knowing the outcome
  drop          the socket is closed without an answer; the request is not processed
  lost_response the request IS processed, then the socket is closed without an answer
  malformed     200 with `payload` as the body, byte for byte (broken JSON, missing fields, wrong types);
                the request is not processed. Queued only, since it needs a payload.
"""

import random as _random
import threading
from dataclasses import dataclass

KINDS = ("rate_limit", "server_error", "slow", "drop", "lost_response", "malformed")

DEFAULT_SECONDS = {"rate_limit": 60.0, "slow": 2.0}


@dataclass(frozen=True)
class Fault:
    kind: str
    seconds: float | None = None
    payload: bytes | None = None


@dataclass
class _Queued:
    kind: str
    remaining: int
    path_prefix: str | None
    method: str | None
    seconds: float | None
    skip: int = 0
    payload: bytes | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path_prefix is None or path.startswith(self.path_prefix)


@dataclass
class _Random:
    rate: float
    kinds: tuple[str, ...]
    rng: _random.Random
    path_prefix: str | None
    method: str | None
    seconds: float | None


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; expected one of {', '.join(KINDS)}")


class Faults:
    """Which requests fail and how. Queued faults are used first, in order; then the random mode, if on."""

    def __init__(self):
        self._lock = threading.Lock()
        self._queued: list[_Queued] = []
        self._random: _Random | None = None

    def queue(
        self,
        kind: str,
        count: int = 1,
        *,
        path_prefix: str | None = None,
        method: str | None = None,
        seconds: float | None = None,
        after: int = 0,
        payload: bytes | str | None = None,
    ) -> None:
        """The next `count` requests matching `method` / `path_prefix` (e.g. "/2/tweets") fail with `kind`,
        once `after` matching requests have gone through (e.g. after=1: the second page of a paging fails).
        A "malformed" fault answers `payload` (text is sent as UTF-8, lone surrogates included)."""
        _check_kind(kind)
        if count < 1 or after < 0:
            raise ValueError("count must be at least 1 and after at least 0")
        if (kind == "malformed") != (payload is not None):
            raise ValueError("a payload goes with the malformed fault, and only with it")
        if isinstance(payload, str):
            payload = payload.encode("utf-8", "surrogatepass")
        with self._lock:
            self._queued.append(_Queued(kind, count, path_prefix, method, seconds, skip=after, payload=payload))

    def random(
        self,
        rate: float = 0.3,
        kinds: list[str] | tuple[str, ...] | None = None,
        *,
        seed: int | None = None,
        path_prefix: str | None = None,
        method: str | None = None,
        seconds: float | None = None,
    ) -> None:
        """From now on, each matching request fails with probability `rate`, with a kind drawn from `kinds`."""
        kinds = tuple(kinds or ("rate_limit", "server_error", "drop"))
        for kind in kinds:
            _check_kind(kind)
            if kind == "malformed":
                raise ValueError("the malformed fault needs a payload; queue it instead")
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        with self._lock:
            self._random = _Random(rate, kinds, _random.Random(seed), path_prefix, method, seconds)  # noqa: S311

    def stop_random(self) -> None:
        with self._lock:
            self._random = None

    def clear(self) -> None:
        """No more faults: queued ones are forgotten and the random mode is switched off."""
        with self._lock:
            self._queued.clear()
            self._random = None

    @property
    def pending(self) -> list[tuple[str, int]]:
        """(kind, remaining count) of the queued faults not used yet."""
        with self._lock:
            return [(q.kind, q.remaining) for q in self._queued]

    def take(self, method: str, path: str) -> Fault | None:
        """The fault to apply to this request, if any (used by the server)."""
        with self._lock:
            for queued in self._queued:
                if queued.matches(method, path):
                    if queued.skip:
                        queued.skip -= 1
                        return None
                    queued.remaining -= 1
                    if queued.remaining == 0:
                        self._queued.remove(queued)
                    return Fault(queued.kind, self._seconds(queued.kind, queued.seconds), queued.payload)
            mode = self._random
            if mode is None:
                return None
            if mode.method is not None and mode.method.upper() != method.upper():
                return None
            if mode.path_prefix is not None and not path.startswith(mode.path_prefix):
                return None
            if mode.rng.random() >= mode.rate:
                return None
            kind = mode.rng.choice(mode.kinds)
            return Fault(kind, self._seconds(kind, mode.seconds))

    @staticmethod
    def _seconds(kind: str, seconds: float | None) -> float | None:
        return seconds if seconds is not None else DEFAULT_SECONDS.get(kind)
