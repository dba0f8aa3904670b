"""A fake X API v2 on loopback, for tests, the demo and fault drills (see server.py)."""

from .faults import KINDS as FAULT_KINDS
from .faults import Faults
from .server import FakeX, RecordedRequest
from .store import FakeTweet, FakeUser, Usage

__all__ = ["FAULT_KINDS", "FakeTweet", "FakeUser", "FakeX", "Faults", "RecordedRequest", "Usage"]
