"""What changed between two versions' text, line by line (difflib), for the page that asks someone to accept a new
version: the changed lines with a little context around them, each marked added or removed in words as well as
colour."""

from dataclasses import dataclass
from difflib import SequenceMatcher

SAME, ADDED, REMOVED, GAP = "same", "added", "removed", "gap"
# Unchanged lines shown around each change; longer runs between changes are left out (a GAP line says so).
CONTEXT_LINES = 2


@dataclass(frozen=True)
class ChangedLine:
    kind: str
    text: str = ""


def line_changes(old: str, new: str, *, context: int = CONTEXT_LINES) -> list[ChangedLine]:
    """The changes that turn `old` into `new`, or [] when the text is the same."""
    old_lines, new_lines = old.split("\n"), new.split("\n")
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    if matcher.ratio() == 1.0:
        return []
    # Read before grouping: get_grouped_opcodes trims the matcher's own list of opcodes in place.
    last_tag, last_old_start, last_old_end, _new_start, _new_end = matcher.get_opcodes()[-1]
    changes: list[ChangedLine] = []
    for group in matcher.get_grouped_opcodes(context):
        if changes or group[0][1] > 0:
            changes.append(ChangedLine(GAP))
        for tag, old_start, old_end, new_start, new_end in group:
            if tag == "equal":
                changes += [ChangedLine(SAME, line) for line in old_lines[old_start:old_end]]
                continue
            changes += [ChangedLine(REMOVED, line) for line in old_lines[old_start:old_end]]
            changes += [ChangedLine(ADDED, line) for line in new_lines[new_start:new_end]]
    if last_tag == "equal" and last_old_end - last_old_start > context:
        changes.append(ChangedLine(GAP))
    return changes
