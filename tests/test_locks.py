"""The advisory locks (replydesk/locks.py): a transaction lock is held for the transaction and refused outside one."""

import threading

import pytest
from django.db import connection, connections, transaction

from replydesk.locks import LockOutsideTransaction, TransactionLock, transaction_lock


def _taken_elsewhere(key: TransactionLock) -> bool:
    """Whether another session could take the lock now (asked from a thread with its own connection)."""
    answer: list[bool] = []

    def ask():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [int(key)])
                answer.append(not cursor.fetchone()[0])
        finally:
            connections.close_all()

    thread = threading.Thread(target=ask)
    thread.start()
    thread.join(timeout=10)
    return answer[0]


def test_a_transaction_lock_outside_a_transaction_is_refused(transactional_db):
    with pytest.raises(LockOutsideTransaction):
        transaction_lock(TransactionLock.AUDIT_SEALER)


def test_a_transaction_lock_is_held_until_the_transaction_ends(transactional_db):
    with transaction.atomic():
        transaction_lock(TransactionLock.POSTING_BUDGET)
        assert _taken_elsewhere(TransactionLock.POSTING_BUDGET) is True
        # Another key is not held by this one.
        assert _taken_elsewhere(TransactionLock.AUDIT_SEALER) is False
    assert _taken_elsewhere(TransactionLock.POSTING_BUDGET) is False
