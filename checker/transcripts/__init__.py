"""Reading transcripts from the formats users already have.

:func:`load_transcripts` takes files, directories, globs or ``-`` (stdin) and yields
normalised :class:`~checker.transcript.Transcript` objects lazily; each file's
format is detected (see :mod:`checker.transcripts.detect`) unless one is forced.

Every transcript's metadata carries ``format`` (a :class:`TranscriptFormat` value),
``source`` (the file as named, or ``<stdin>``), ``index`` (0-based position in the
file) and, for line-based sources, ``line`` (1-based line where the record starts);
then what the source adds: ``model``, ``fields`` (other keys of a JSON record),
``columns`` (unmapped table columns, such as labels), Inspect's ``task``,
``sample_id``, ``epoch``, ``scores``, ``target``, ``sample_metadata``.

Ids come from the source when it has one (a record's ``id``, a batch ``custom_id``,
a mapped id column, Inspect's ``<task>:<sample id>[:epoch<n>]``); otherwise they
are the first 16 hex digits of :meth:`Transcript.content_hash`.

Bad input raises :class:`~checker.errors.TranscriptError` reading
``file:line: not a transcript: expected ...``; with ``skip_invalid=True`` the bad
record is collected in :attr:`TranscriptStream.skipped` and reading goes on. One bad
record (nested deeper than :data:`~checker.transcripts._common.MAX_NESTING`, a zip
member too large) never ends the reading of the others.

:func:`load_checked_transcripts` reads everything once first (see
:mod:`checker.transcripts._firstpass`): invalid records and ids repeated in a file
are found before any transcript is returned, and ids shared by several files are
qualified by their file (``path#id``).
"""

from checker.transcripts._firstpass import (
    LARGE_TRANSCRIPT_CHARS,
    load_checked_transcripts,
    transcript_chars,
)
from checker.transcripts._load import (
    TranscriptStream,
    expand_paths,
    load_transcripts,
    read_transcripts,
    record_transcript,
)
from checker.transcripts.detect import TranscriptFormat
from checker.transcripts.stats import Spread, TranscriptStats, transcript_stats
from checker.transcripts.tabular import ColumnMapping, parse_mapping

__all__ = [
    "LARGE_TRANSCRIPT_CHARS",
    "ColumnMapping",
    "Spread",
    "TranscriptFormat",
    "TranscriptStats",
    "TranscriptStream",
    "expand_paths",
    "load_checked_transcripts",
    "load_transcripts",
    "parse_mapping",
    "read_transcripts",
    "record_transcript",
    "transcript_chars",
    "transcript_stats",
]
