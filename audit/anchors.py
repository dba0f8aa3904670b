"""Anchors: what the sealer sealed, written outside the database before its transaction commits.

The sealer appends one line per batch to AUDIT_ANCHOR_FILE (a file on a volume the database cannot reach) and,
when AUDIT_ANCHOR_SYSLOG names a collector, sends the same line there. A line holds the batch's positions, the
head hash after it, the time it sealed, and a short digest (the first DIGEST_LENGTH hex digits of the hash) of
every seal in it: verification compares each seal with its digest and names the first one that differs, and the
head hash makes any rewrite show, however carefully the chain after it was recomputed.

Lines, JSON, one per line (the parser also reads them out of a syslog collector's lines, from the first "{"):
- {"kind": "anchor", "from": 101, "to": 150, "head": <hash>, "sealed_at": <iso>, "digests": <hex>, "time": <iso>}
  written before the batch commits;
- {"kind": "committed", "to": 150}: written after it committed;
- {"kind": "abandoned", "to": 150}: the batch's transaction never committed (found by the next run);
- {"kind": "begun", "seq": 100, "head": <hash>, "time": <iso>}: anchoring began with a chain of that length (a new
  anchor file, or one of the hourly checkpoints of earlier versions);
- {"kind": "incident", "what": <text>, "time": <iso>, ...}: the sealer found the chain changed outside it;
- {"seq": 100, "head_hash": <hash>, "time": <iso>}: a checkpoint of earlier versions (read, never written).
"""

import json
import logging
import logging.handlers
import os
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.dateparse import parse_datetime

logger = logging.getLogger(__name__)

DIGEST_LENGTH = 8
# How much of the file's end the sealer reads to find the last anchor (a batch line is at most ~45 kB).
TAIL_BYTES = 256 * 1024


@dataclass
class Anchor:
    """One batch the sealer anchored: seals `first`..`last`, head hash after it, and each seal's digest."""

    line: int
    first: int
    last: int
    head: str
    sealed_at: str
    digests: str
    time: str
    state: str = "pending"  # "committed", "abandoned", or "pending" when no later line says

    @property
    def sealed_time(self) -> datetime | None:
        return parse_datetime(self.sealed_at)

    def digest_of(self, seq: int) -> str:
        start = (seq - self.first) * DIGEST_LENGTH
        return self.digests[start : start + DIGEST_LENGTH]


@dataclass
class Begun:
    line: int
    seq: int
    head: str
    time: str


@dataclass
class AnchorLog:
    anchors: list[Anchor] = field(default_factory=list)
    begun: list[Begun] = field(default_factory=list)
    incidents: list[dict[str, Any]] = field(default_factory=list)
    unreadable: list[int] = field(default_factory=list)

    def standing(self) -> list[Anchor]:
        """The anchors whose batch is in the chain (committed, or not known to have been abandoned)."""
        return [anchor for anchor in self.anchors if anchor.state != "abandoned"]

    @property
    def last(self) -> Anchor | None:
        standing = self.standing()
        return standing[-1] if standing else None

    @property
    def anchored_head(self) -> tuple[int, str] | None:
        """Where the chain stood at the last thing written outside: the last standing anchor or `begun` line."""
        marks: list[tuple[int, int, str]] = [(a.line, a.last, a.head) for a in self.standing()]
        marks += [(b.line, b.seq, b.head) for b in self.begun]
        if not marks:
            return None
        _line, seq, head = max(marks)
        return seq, head


def anchor_file() -> Path:
    return Path(settings.AUDIT_ANCHOR_FILE)


def digests_of(hashes: Iterable[str]) -> str:
    return "".join(h[:DIGEST_LENGTH] for h in hashes)


# --- writing -----------------------------------------------------------------------------------------------


def write(record: dict[str, Any]) -> None:
    """Append one line to the anchor file (flushed to disk before this returns) and to the syslog collector."""
    line = json.dumps(record, sort_keys=True, separators=(",", ":"))
    path = anchor_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    # One write(2) of the whole line to a file opened for appending: two sealers' lines never interleave.
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(descriptor, (line + "\n").encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    _send_to_syslog(line)


def write_anchor(first: int, last: int, head: str, sealed_at: datetime, hashes: list[str]) -> None:
    write(
        {
            "kind": "anchor",
            "from": first,
            "to": last,
            "head": head,
            "sealed_at": sealed_at.isoformat(),
            "digests": digests_of(hashes),
            "time": timezone.now().isoformat(),
        }
    )


def write_settled(kind: str, last: int) -> None:
    write({"kind": kind, "to": last, "time": timezone.now().isoformat()})


def write_begun(seq: int, head: str) -> None:
    write({"kind": "begun", "seq": seq, "head": head, "time": timezone.now().isoformat()})


def write_incident(what: str, **facts: Any) -> None:
    logger.error("Audit trail: %s %s", what, facts)
    write({"kind": "incident", "what": what, "time": timezone.now().isoformat(), **facts})


_syslog: logging.Logger | None = None


def _syslog_logger() -> logging.Logger | None:
    """A logger of its own for the collector, built once from AUDIT_ANCHOR_SYSLOG (udp://, tcp:// or a socket path)."""
    global _syslog
    target = settings.AUDIT_ANCHOR_SYSLOG
    if not target:
        return None
    if _syslog is None:
        try:
            handler = _syslog_handler(target)
        except OSError:
            # The collector is down (a TCP handler connects at once): the file has the line; try again next time.
            logger.warning("Could not reach the syslog collector %s for audit anchors", target, exc_info=True)
            return None
        handler.setFormatter(logging.Formatter("replydesk-audit-anchor: %(message)s"))
        syslog = logging.getLogger("replydesk.audit.anchors.syslog")
        syslog.propagate = False
        syslog.setLevel(logging.INFO)
        syslog.addHandler(handler)
        _syslog = syslog
    return _syslog


def _syslog_handler(target: str) -> logging.Handler:
    parts = urlsplit(target)
    if parts.scheme in ("udp", "tcp") and parts.hostname:
        kind = socket.SOCK_DGRAM if parts.scheme == "udp" else socket.SOCK_STREAM
        return logging.handlers.SysLogHandler(
            address=(parts.hostname, parts.port or 514),
            facility=logging.handlers.SysLogHandler.LOG_AUTHPRIV,
            socktype=kind,
        )
    if target.startswith("/"):
        return logging.handlers.SysLogHandler(address=target, facility=logging.handlers.SysLogHandler.LOG_AUTHPRIV)
    raise ImproperlyConfigured(
        f"AUDIT_ANCHOR_SYSLOG must be udp://host:port, tcp://host:port or a socket path, not {target!r}"
    )


def _send_to_syslog(line: str) -> None:
    syslog = _syslog_logger()
    if syslog is not None:
        # A collector that is down must not stop the sealer: the file has the line, and the failure is logged.
        syslog.info(line)


# --- reading -----------------------------------------------------------------------------------------------


def _records(lines: Iterable[str], first_number: int = 1) -> Iterator[tuple[int, dict[str, Any] | None]]:
    for number, text in enumerate(lines, start=first_number):
        text = text.strip()
        if not text:
            continue
        start = text.find("{")
        try:
            record = json.loads(text[start:]) if start >= 0 else None
        except ValueError:
            record = None
        yield number, record if isinstance(record, dict) else None


def parse(lines: Iterable[str], first_number: int = 1) -> AnchorLog:
    log = AnchorLog()
    by_last: dict[int, Anchor] = {}
    for number, record in _records(lines, first_number):
        try:
            kind = record.get("kind") if record is not None else None
            if record is None:
                log.unreadable.append(number)
            elif kind == "anchor":
                anchor = Anchor(
                    line=number,
                    first=int(record["from"]),
                    last=int(record["to"]),
                    head=str(record["head"]),
                    sealed_at=str(record["sealed_at"]),
                    digests=str(record["digests"]),
                    time=str(record.get("time", "")),
                )
                if len(anchor.digests) != (anchor.last - anchor.first + 1) * DIGEST_LENGTH:
                    raise ValueError("digests do not match the range")
                log.anchors.append(anchor)
                by_last[anchor.last] = anchor
            elif kind in ("committed", "abandoned"):
                anchor = by_last.get(int(record["to"]))
                if anchor is not None:
                    anchor.state = kind
            elif kind == "begun":
                log.begun.append(Begun(number, int(record["seq"]), str(record["head"]), str(record.get("time", ""))))
            elif kind == "incident":
                log.incidents.append({"line": number, **record})
            elif kind is None and "seq" in record and "head_hash" in record:
                seq, head = int(record["seq"]), str(record["head_hash"])
                log.begun.append(Begun(number, seq, head, str(record.get("time", ""))))
            else:
                log.unreadable.append(number)
        except (KeyError, TypeError, ValueError):
            log.unreadable.append(number)
    return log


def read(path: Path | None = None) -> AnchorLog:
    """Every line of the anchor file (or of a copy, such as a collector's)."""
    path = path or anchor_file()
    if not path.exists():
        return AnchorLog()
    with path.open(encoding="utf-8", errors="replace") as lines:
        return parse(lines)


def read_tail(path: Path | None = None) -> AnchorLog:
    """The end of the anchor file only: enough for the sealer to find the last anchor, whatever the file's size.
    Line numbers are counted from the part read."""
    path = path or anchor_file()
    if not path.exists():
        return AnchorLog()
    with path.open("rb") as raw:
        raw.seek(0, os.SEEK_END)
        size = raw.tell()
        raw.seek(max(0, size - TAIL_BYTES))
        chunk = raw.read()
    lines = chunk.decode("utf-8", errors="replace").splitlines()
    if size > TAIL_BYTES and lines:
        lines = lines[1:]  # the first one is cut
    return parse(lines)
