from __future__ import annotations

from checker.spill import BATCH, SpillIndex


def test_keys_are_remembered_once_with_their_values() -> None:
    index = SpillIndex()
    assert index.add("a", "first") is True
    assert index.add("a", "second") is False
    assert index.get("a") == "first"
    assert index.add("b") is True and index.get("b") == ""
    assert "b" in index and "c" not in index
    for i in range(BATCH + 5):  # across a commit
        index.add(f"k{i}")
    assert f"k{BATCH + 4}" in index and "k0" in index
    index.close()
