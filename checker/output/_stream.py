"""Rendering a run too large to hold, from the store, one line at a time.

:func:`stream_run` takes the summary of :func:`checker.runner.load_run` with
``summary_only`` (or of ``arun_check(keep_verdicts=False)``) and writes ``table``,
``json`` or ``jsonl`` while reading the run's pairs and verdicts from the store,
in (transcript, principle, sample) order. The documents are those of
:func:`checker.output.render`, except for that order and for the items of the
``json`` arrays, one compact object per line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from checker.errors import CheckerError
from checker.output._json import run_document, verdict_record
from checker.output._safe import scrubbed_verdict, visible
from checker.output._table import table_findings, table_head
from checker.results import RunResult
from checker.results_stream import iter_pairs
from checker.store import Store
from checker.verdict import Verdict

STREAMED_FORMATS = ("table", "json", "jsonl")
Write = Callable[[str], object]


def stream_run(store: Store, result: RunResult, format: str, write: Write) -> None:
    """Write ``result`` (a summary) in ``format``, its verdicts read from ``store``."""
    run_id = result.run.id

    def verdicts() -> Iterator[Verdict]:
        return (scrubbed_verdict(item.verdict) for item in store.iter_run_verdicts(run_id))

    if format == "jsonl":
        for verdict in verdicts():
            record = {"run_id": run_id, **verdict_record(verdict)}
            write(json.dumps(record, ensure_ascii=False) + "\n")
    elif format == "json":
        _stream_json(store, result, write)
    elif format == "table":
        for line in table_head(result):
            write(visible(line) + "\n")
        for line in table_findings(result, verdicts):
            write(visible(line) + "\n")
    else:
        raise CheckerError(
            f"--format {format} of a run this large is not written in a stream:"
            f" use {', '.join(STREAMED_FORMATS)}"
        )


def _stream_json(store: Store, result: RunResult, write: Write) -> None:
    document = run_document(result)
    head = json.dumps(
        {k: v for k, v in document.items() if k not in ("pairs", "verdicts")},
        indent=2,
        ensure_ascii=False,
    )
    write(head[: head.rindex("}")].rstrip() + ",\n")
    write('  "pairs": [')
    pairs = (pair for pair, _ in iter_pairs(store.iter_run_verdicts(result.run.id)))
    _stream_array((p.model_dump(mode="json") for p in pairs), write)
    write(',\n  "verdicts": [')
    linked = store.iter_run_verdicts(result.run.id)
    _stream_array((verdict_record(item.verdict) for item in linked), write)
    write("\n}\n")


def _stream_array(items: Iterator[dict[str, object]], write: Write) -> None:
    first = True
    for item in items:
        write(("\n    " if first else ",\n    ") + json.dumps(item, ensure_ascii=False))
        first = False
    write("\n  ]" if not first else "]")
