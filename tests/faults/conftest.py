import pytest


def pytest_collection_modifyitems(items):
    # Every test here injects a real failure; each is marked so (pytest -m fault) and bounded in time,
    # so that a hang fails the test instead of the run.
    for item in items:
        if "/faults/" in str(item.fspath):
            item.add_marker(pytest.mark.fault)
            if not item.get_closest_marker("timeout"):
                item.add_marker(pytest.mark.timeout(180))
