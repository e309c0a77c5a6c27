"""Reading human labels: JSON lines and CSV, and the exact error for each kind of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checker.calibration.labels import HumanLabel, LabelError, load_labels, parse_labels
from checker.errors import CheckerError
from constitution.model import Label

OK = '{"transcript_id": "t1", "principle_id": "p", "label": "complies"}'


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_jsonl_labels(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "labels.jsonl",
        '{"transcript_id": "t1", "principle_id": "p.one", "label": "violates"}\n'
        "\n"
        '{"transcript": "t2", "principle": "p.one", "label": "N/A", "note": "ignored",'
        ' "principle_version": 3, "principle_hash": "ABCDEF0123"}\n',
    )
    labels = load_labels(path)
    assert labels == [
        HumanLabel("t1", "p.one", Label.VIOLATES, source=str(path), line=1),
        HumanLabel(
            "t2",
            "p.one",
            Label.NOT_APPLICABLE,
            principle_version=3,
            principle_hash="abcdef0123",
            source=str(path),
            line=3,
        ),
    ]
    assert labels[1].where == f"{path}:3"


def test_csv_labels_with_multiline_cells(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "labels.csv",
        "transcript_id,principle_id,label,note\n"
        't1,p.one,complies,"a note\nover two lines"\n'
        "t2,p.one,not applicable,\n"
        "\n"
        "t3,p.two,Violates,x\n",
    )
    labels = load_labels(path)
    assert [(x.transcript_id, x.label, x.line) for x in labels] == [
        ("t1", Label.COMPLIES, 2),
        ("t2", Label.NOT_APPLICABLE, 4),
        ("t3", Label.VIOLATES, 6),
    ]


def test_tsv_and_sniffed_formats(tmp_path: Path) -> None:
    tsv = _write(tmp_path, "l.tsv", "transcript_id\tprinciple_id\tlabel\nt1\tp\tcomplies\n")
    assert load_labels(tsv)[0].principle_id == "p"
    sniffed = _write(
        tmp_path, "labels.txt", '{"transcript_id": 7, "principle_id": "p", "label": "complies"}\n'
    )
    assert load_labels(sniffed)[0].transcript_id == "7"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "a.jsonl",
            f'{OK}\n{{"transcript_id": \n',
            "a.jsonl:2: not valid JSON: Expecting value",
        ),
        (
            "b.jsonl",
            '["t1", "p", "complies"]\n',
            "b.jsonl:1: expected a JSON object per line, found list",
        ),
        (
            "c.jsonl",
            '{"transcript_id": "t1", "label": "complies"}\n',
            "c.jsonl:1: missing principle_id",
        ),
        (
            "d.jsonl",
            '{"transcript_id": "t1", "principle_id": "p", "label": "maybe"}\n',
            "d.jsonl:1: bad label 'maybe': expected complies, violates or not_applicable",
        ),
        (
            "e.jsonl",
            OK[:-1] + ', "principle_version": "two"}\n',
            "e.jsonl:1: bad principle_version 'two': expected a whole number >= 1",
        ),
        (
            "f.jsonl",
            OK[:-1] + ', "principle_hash": "xyz"}\n',
            "f.jsonl:1: bad principle_hash 'xyz': expected the principle's sha256 content hash"
            " (8 to 64 hex digits)",
        ),
        (
            "g.jsonl",
            '{"transcript_id": "t1", "principle_id": "p", "label": "complies"}\n'
            '{"transcript_id": "t2", "principle_id": "p", "label": "complies"}\n'
            '{"transcript_id": "t1", "principle_id": "p", "label": "violates"}\n',
            "g.jsonl:3: transcript 't1' is labelled for principle 'p' twice (first at line 1)",
        ),
        (
            "h.jsonl",
            '{"transcript_id": ["t1"], "principle_id": "p", "label": "complies"}\n',
            "h.jsonl:1: bad transcript_id ['t1']: expected a string",
        ),
        ("i.jsonl", "\n\n", "i.jsonl: no labels found"),
        (
            "a.csv",
            "transcript_id,principle,verdict\nt1,p,complies\n",
            "a.csv:1: missing column 'label' (columns: transcript_id, principle, verdict)",
        ),
        (
            "b.csv",
            "transcript_id,principle_id,label\nt1,p,complies\nt2,p\n",
            "b.csv:3: expected 3 fields as in the header, found 2",
        ),
        (
            "c.csv",
            "transcript_id,principle_id,label\nt1,,complies\n",
            "c.csv:2: missing principle_id",
        ),
        ("d.csv", "transcript_id,principle_id,label\n", "d.csv: no labels found"),
        ("e.csv", "", "e.csv: no labels found"),
    ],
)
def test_bad_labels(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = _write(tmp_path, name, text)
    with pytest.raises(LabelError) as caught:
        load_labels(path)
    assert str(caught.value) == f"{tmp_path}/{message}"
    assert isinstance(caught.value, CheckerError)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LabelError, match=r"nope\.csv: cannot read: no such file$"):
        load_labels(tmp_path / "nope.csv")


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from('{}[]",:\n\t ,abcpt1_-violatescomplin/'), max_size=200),
    suffix=st.sampled_from([".jsonl", ".csv", ".tsv", ".txt"]),
)
def test_any_text_gives_labels_or_a_label_error(text: str, suffix: str) -> None:
    try:
        labels = parse_labels(text, source=f"fuzz{suffix}")
    except LabelError as exc:
        assert str(exc).startswith("fuzz")
    else:
        assert labels and all(x.line >= 1 for x in labels)


_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 10**12),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(["complies", "violates", "n/a", "abcdef0123", "2"]),
    st.lists(st.integers(), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(
    records=st.lists(
        st.dictionaries(
            st.sampled_from(
                ["transcript_id", "principle", "label", "principle_version", "hash", "note"]
            ),
            _VALUES,
        ),
        max_size=4,
    )
)
def test_any_json_records_give_labels_or_a_label_error(records: list[dict[str, object]]) -> None:
    text = "".join(json.dumps(record) + "\n" for record in records)
    try:
        labels = parse_labels(text, source="fuzz.jsonl")
    except LabelError as exc:
        assert str(exc).startswith("fuzz.jsonl")
    else:
        assert len(labels) == len(records)
