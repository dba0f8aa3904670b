"""The line diff the acceptance page shows: changed lines with a little context, and a mark where lines are left out."""

from guidelines.changes import ADDED, GAP, REMOVED, SAME, line_changes

LINES = "\n".join("abcdefgh")


def kinds(old: str, new: str) -> list[str]:
    return [line.kind for line in line_changes(old, new)]


def test_the_same_text_has_no_changes():
    assert line_changes(LINES, LINES) == []


def test_a_line_added_in_the_middle_shows_two_lines_around_it_and_marks_the_rest_left_out():
    new = LINES.replace("d\n", "d\nnew\n")
    assert kinds(LINES, new) == [GAP, SAME, SAME, ADDED, SAME, SAME, GAP]
    assert [line.text for line in line_changes(LINES, new)][1:-1] == ["c", "d", "new", "e", "f"]


def test_a_changed_line_is_removed_then_added():
    changes = line_changes("rule one\nrule two", "rule one\nrule 2")
    expected = [(SAME, "rule one"), (REMOVED, "rule two"), (ADDED, "rule 2")]
    assert [(line.kind, line.text) for line in changes] == expected


def test_a_change_at_the_start_needs_no_mark_before_it():
    assert kinds(LINES, "z" + LINES[1:]) == [REMOVED, ADDED, SAME, SAME, GAP]
