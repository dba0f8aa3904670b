"""Run one action from many threads at the same instant, each on its own database connection."""

import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from django.db import connection

T = TypeVar("T")


def at_once(items: Sequence[T], action: Callable[[T], str]) -> list[str]:
    """Start `action(item)` for every item behind one barrier; returns what each call returned."""
    barrier = threading.Barrier(len(items))
    outcomes: list[str] = []

    def run(item: T) -> None:
        try:
            barrier.wait()
            outcomes.append(action(item))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes
