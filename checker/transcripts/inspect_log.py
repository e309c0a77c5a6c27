"""Inspect AI evaluation logs: ``.json`` logs and zipped ``.eval`` logs.

Every sample (and every epoch of it) becomes one transcript with one message per
Inspect message, in order. Ids read ``<task>:<sample id>``, with ``:epoch<n>``
appended when the log ran more than one epoch or the sample's epoch is not 1,
for example ``popularity:12`` or ``popularity:12:epoch2``. Metadata carries the
task, sample id, epoch, scores, target, the sample's own metadata, the eval's
model and ids, and any sample error or limit. ``attachment://`` references are
resolved from the sample's attachments. Zipped samples are read one at a time.
"""

from __future__ import annotations

import json
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from checker.errors import TranscriptError
from checker.transcript import (
    ImagePart,
    Message,
    Part,
    ReasoningPart,
    Role,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    Transcript,
)
from checker.transcripts._common import (
    RecordError,
    build_transcript,
    check_nesting,
    expect_dict,
    expect_list,
    expect_str,
    not_a_transcript,
    optional_str,
    parse_arguments,
    source_id,
    unreadable,
)

_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    OSError,
    ValueError,
    struct.error,
    RecursionError,
)
MAX_MEMBER_BYTES = 256 * 1024 * 1024
"""The largest ``.eval`` member (a sample, the header) read, uncompressed."""
MAX_COMPRESSION_RATIO = 200
"""Members above :data:`RATIO_FLOOR_BYTES` that compress better than this are refused."""
RATIO_FLOOR_BYTES = 1024 * 1024
_SAMPLE_NAME = re.compile(r"^samples/(?P<id>.+)_epoch_(?P<epoch>\d+)\.json$")
_ROLES = {"system": Role.SYSTEM, "user": Role.USER, "assistant": Role.ASSISTANT, "tool": Role.TOOL}
_MESSAGE_KEYS = {"role", "content", "tool_calls", "tool_call_id", "function", "error"}
_SAMPLE_KEYS = ("target", "scores", "error", "limit", "uuid", "total_time", "working_time")

Item = Transcript | TranscriptError


@dataclass(frozen=True)
class EvalSpec:
    """What the log says about the whole run."""

    task: str
    epochs: int
    fields: dict[str, Any]

    @classmethod
    def from_header(cls, header: Any, fallback_task: str) -> EvalSpec:
        log = expect_dict(header, 'an Inspect log object with "eval"')
        spec = expect_dict(log.get("eval"), "an eval spec object", "eval")
        task = spec.get("task")
        config = spec.get("config")
        epochs = config.get("epochs") if isinstance(config, dict) else None
        fields: dict[str, Any] = {
            k: spec[k] for k in ("model", "eval_id", "run_id", "task_id") if k in spec
        }
        if log.get("status") is not None:
            fields["status"] = log["status"]
        return cls(
            task=task if isinstance(task, str) and task else fallback_task,
            epochs=epochs if isinstance(epochs, int) else 1,
            fields=fields,
        )


def inspect_json_transcripts(document: Any, name: str) -> Iterator[Item]:
    """The samples of a ``.json`` log already parsed into ``document``."""
    try:
        spec = EvalSpec.from_header(document, _stem(name))
        samples = document.get("samples")
        samples = [] if samples is None else expect_list(samples, "a list", "samples")
    except RecordError as exc:
        yield not_a_transcript(name, None, exc)
        return
    for index, sample in enumerate(samples):
        yield _item(sample, spec, name, f"samples[{index}]", index)


def inspect_eval_transcripts(stream: IO[bytes], name: str) -> Iterator[Item]:
    """The samples of a zipped ``.eval`` log, read and converted one at a time.

    Each member's declared size and compression ratio are checked before it is read,
    and it is read with a cap, so a zip bomb is refused in bounded time and memory.
    """
    header_name: str | None = None
    try:
        archive = zipfile.ZipFile(stream)
        members = archive.namelist()
        header_name = next(
            (n for n in ("header.json", "_journal/start.json") if n in members), None
        )
        if header_name is None:
            raise RecordError('a zipped Inspect log with "header.json"', "", "no header")
        header = json.loads(read_member(archive, header_name))
        spec = EvalSpec.from_header(header, _stem(name))
    except RecordError as exc:
        yield not_a_transcript(name, None, exc.under(header_name) if header_name else exc)
        return
    except _ZIP_ERRORS as exc:
        yield not_a_transcript(name, None, f"expected a zipped Inspect log (.eval) ({exc})")
        return
    samples = sorted((m for m in members if _SAMPLE_NAME.match(m)), key=_sample_order)
    for index, member in enumerate(samples):
        try:
            sample = json.loads(read_member(archive, member))
        except RecordError as exc:
            yield not_a_transcript(name, None, exc.under(member))
            continue
        except _ZIP_ERRORS as exc:
            yield not_a_transcript(name, None, f"expected a JSON sample at {member} ({exc})")
            continue
        yield _item(sample, spec, name, member, index, sep=":")


def read_member(archive: zipfile.ZipFile, member: str) -> bytes:
    """One member's bytes, refused (RecordError) when declared or found too large."""
    info = archive.getinfo(member)
    limit = MAX_MEMBER_BYTES
    if info.file_size > limit:
        raise RecordError(
            f"a member of at most {limit >> 20} MiB ({info.file_size:,} bytes declared)"
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > RATIO_FLOOR_BYTES and ratio > MAX_COMPRESSION_RATIO:
        raise RecordError(
            f"a compression ratio of at most {MAX_COMPRESSION_RATIO}:1 "
            f"({ratio:.0f}:1 declared: a zip bomb?)"
        )
    chunks: list[bytes] = []
    size = 0
    with archive.open(info) as handle:
        while chunk := handle.read(1 << 20):
            size += len(chunk)
            if size > limit:
                raise RecordError(f"a member of at most {limit >> 20} MiB (it holds more)")
            chunks.append(chunk)
    return b"".join(chunks)


def _item(sample: Any, spec: EvalSpec, name: str, path: str, index: int, sep: str = ".") -> Item:
    try:
        check_nesting(sample)
        return inspect_sample(sample, spec, {"source": name, "index": index})
    except RecordError as exc:
        return not_a_transcript(name, None, exc.under(path, sep))
    except (ValueError, RecursionError) as exc:  # a last guard: one sample never ends a run
        return not_a_transcript(name, None, f"{unreadable(exc)} at {path}")


def _stem(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[0] or "sample"


def _sample_order(member: str) -> tuple[Any, ...]:
    match = _SAMPLE_NAME.match(member)
    assert match is not None
    sample_id = match["id"]
    key = (0, int(sample_id), "") if sample_id.isdigit() else (1, 0, sample_id)
    return (*key, int(match["epoch"]))


def inspect_sample(sample: Any, spec: EvalSpec, metadata: dict[str, Any]) -> Transcript:
    """One Inspect sample as a transcript."""
    sample = expect_dict(sample, "a sample object")
    sample_id = source_id(sample.get("id"))
    if sample_id is None:
        raise RecordError("a sample id", "id", None)
    epoch = sample.get("epoch", 1)
    if isinstance(epoch, bool) or not isinstance(epoch, int):
        raise RecordError("an integer epoch", "epoch", epoch)
    raw_messages = expect_list(sample.get("messages"), "a list of messages", "messages")
    attachments = sample.get("attachments")
    attachments = attachments if isinstance(attachments, dict) else {}
    messages = [
        _message(_resolve(raw, attachments), f"messages[{i}]") for i, raw in enumerate(raw_messages)
    ]
    transcript_id = f"{spec.task}:{sample_id}"
    if spec.epochs > 1 or epoch != 1:
        transcript_id += f":epoch{epoch}"
    meta: dict[str, Any] = {
        **metadata,
        "format": "inspect",
        **spec.fields,
        "task": spec.task,
        "sample_id": sample.get("id"),
        "epoch": epoch,
    }
    meta.update({k: sample[k] for k in _SAMPLE_KEYS if sample.get(k) is not None})
    if sample.get("metadata"):
        meta["sample_metadata"] = sample["metadata"]
    return build_transcript(messages, meta, transcript_id, allow_empty=True)


def _resolve(value: Any, attachments: dict[str, Any]) -> Any:
    """Replace ``attachment://<hash>`` strings by the attachment they name."""
    if isinstance(value, str):
        if value.startswith("attachment://"):
            found = attachments.get(value[len("attachment://") :])
            return found if isinstance(found, str) else value
        return value
    if isinstance(value, dict):
        return {k: _resolve(v, attachments) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, attachments) for v in value]
    return value


def _message(raw: Any, path: str) -> Message:
    raw = expect_dict(raw, "a message object", path)
    role = _ROLES.get(raw["role"]) if isinstance(raw.get("role"), str) else None
    if role is None:
        raise RecordError("a role (system, user, assistant, tool)", f"{path}.role", raw.get("role"))
    metadata = {k: v for k, v in raw.items() if k not in _MESSAGE_KEYS}
    parts, other = _content(raw.get("content"), f"{path}.content")
    if other:
        metadata["other_content"] = other
    if role is Role.TOOL:
        parts = _tool_result(raw, parts, metadata, path)
    if raw.get("tool_calls") is not None:
        calls = expect_list(raw["tool_calls"], "a list of tool calls", f"{path}.tool_calls")
        parts.extend(_tool_call(call, f"{path}.tool_calls[{i}]") for i, call in enumerate(calls))
    return Message(role=role, parts=tuple(parts), metadata=metadata)


def _tool_result(
    raw: dict[str, Any], parts: list[Part], metadata: dict[str, Any], path: str
) -> list[Part]:
    text = "\n".join(p.text for p in parts if isinstance(p, TextPart))
    error = raw.get("error")
    message = None
    if error is not None:
        error = expect_dict(error, "a tool error object", f"{path}.error")
        message = expect_str(error.get("message"), "a string", f"{path}.error.message")
        metadata["error_type"] = error.get("type")
    if raw.get("function") is not None:
        metadata["function"] = raw["function"]
    call_id = optional_str(raw.get("tool_call_id"), "a string", f"{path}.tool_call_id")
    result = ToolResultPart(call_id=call_id, output=text, error=message)
    return [result, *(p for p in parts if not isinstance(p, TextPart))]


def _tool_call(call: Any, path: str) -> ToolCallPart:
    call = expect_dict(call, "a tool call object", path)
    name = expect_str(call.get("function"), "a function name", f"{path}.function")
    call_id = optional_str(call.get("id"), "a string", f"{path}.id")
    return ToolCallPart(id=call_id, name=name, input=call.get("arguments"))


def _content(content: Any, path: str) -> tuple[list[Part], list[Any]]:
    if isinstance(content, str):
        return ([TextPart(text=content)] if content else []), []
    items = expect_list(content, "a string or a list of content objects", path)
    parts: list[Part] = []
    other: list[Any] = []
    for i, item in enumerate(items):
        item_path = f"{path}[{i}]"
        item = expect_dict(item, 'a content object with a "type"', item_path)
        kind = item.get("type")
        if kind == "text":
            parts.append(
                TextPart(text=expect_str(item.get("text"), "a string", f"{item_path}.text"))
            )
        elif kind == "reasoning":
            parts.append(_reasoning(item, item_path))
        elif kind == "image":
            image = expect_str(item.get("image"), "a string", f"{item_path}.image")
            parts.append(_image(image))
        elif kind == "tool_use":
            parts.extend(_server_tool(item, item_path))
        elif isinstance(kind, str):
            other.append(_without_data(item))
        else:
            raise RecordError('a content "type" string', f"{item_path}.type", kind)
    return parts, other


def _reasoning(item: dict[str, Any], path: str) -> ReasoningPart:
    redacted = item.get("redacted") is True
    text = expect_str(item.get("reasoning"), "a string", f"{path}.reasoning")
    summary = optional_str(item.get("summary"), "a string", f"{path}.summary")
    return ReasoningPart(text=(summary or "") if redacted else text, redacted=redacted)


def _image(image: str) -> ImagePart:
    if image.startswith("data:"):
        return ImagePart(media_type=image[5:].split(";", 1)[0].split(",", 1)[0] or None)
    return ImagePart(description=image)


def _server_tool(item: dict[str, Any], path: str) -> list[Part]:
    call_id = expect_str(item.get("id"), "a string", f"{path}.id")
    name = expect_str(item.get("name"), "a string", f"{path}.name")
    arguments = parse_arguments(item.get("arguments"), f"{path}.arguments")
    result = item.get("result")
    output = result if isinstance(result, str) else json.dumps(result, ensure_ascii=False)
    error = optional_str(item.get("error"), "a string", f"{path}.error")
    return [
        ToolCallPart(id=call_id, name=name, input=arguments),
        ToolResultPart(call_id=call_id, output=output, error=error),
    ]


def _without_data(item: dict[str, Any]) -> dict[str, Any]:
    """Other content kept verbatim, except base64 payloads, shown by their size."""
    return {
        k: f"<data URI, {len(v)} chars>" if isinstance(v, str) and v.startswith("data:") else v
        for k, v in item.items()
    }
