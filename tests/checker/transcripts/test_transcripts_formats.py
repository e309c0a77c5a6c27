"""Every fixture format imports into the normalised model, exactly as written."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.transcript import (
    ImagePart,
    ReasoningPart,
    Role,
    TextPart,
    ToolCallPart,
    ToolResultPart,
    Transcript,
)
from checker.transcripts import TranscriptFormat, load_transcripts


@pytest.fixture
def here(fixtures_dir: Path) -> Path:
    return fixtures_dir / "transcripts"


def load(path: Path, **kwargs: object) -> list[Transcript]:
    return list(load_transcripts(path, **kwargs))  # type: ignore[arg-type]


def roles(t: Transcript) -> list[str]:
    return [m.role.value for m in t.messages]


def test_anthropic_request(here: Path) -> None:
    [t] = load(here / "anthropic_request.json")
    assert roles(t) == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert t.id == t.content_hash()[:16]
    assert t.metadata["format"] == "anthropic"
    assert t.metadata["model"] == "claude-sonnet-4-5"
    assert t.metadata["fields"]["max_tokens"] == 1024
    assert t.metadata["fields"]["tools"][0]["name"] == "lookup_stock"
    user, assistant, tool, second, last = t.messages[1:]
    assert user.parts[1] == ImagePart(media_type="image/png")
    assert assistant.parts == (
        ReasoningPart(text="The photo shows the 5 litre can; check stock for it."),
        TextPart(text="Let me check the stock."),
        ToolCallPart(id="toolu_01", name="lookup_stock", input={"sku": "CAN-5L-BLUE"}),
    )
    assert tool.parts == (ToolResultPart(call_id="toolu_01", output="3 in stock"),)
    assert tool.metadata == {"original_role": "user"}
    assert second.parts[0] == ReasoningPart(text="", redacted=True)
    assert last.role is Role.USER
    assert last.parts == (
        ToolResultPart(call_id="toolu_02", output="", error="stock service unavailable"),
        TextPart(text="Can you hold one for me?"),
    )


def test_anthropic_batch_ids_and_system_blocks(here: Path) -> None:
    first, second = load(here / "anthropic_batch.jsonl")
    assert (first.id, second.id) == ("ticket-101", "ticket-102")
    assert second.messages[0].text == "Answer briefly."
    assert second.metadata["line"] == 2
    assert second.metadata["model"] == "claude-haiku-4-5"


def test_openai_array(here: Path) -> None:
    first, second = load(here / "openai_chats.json")
    assert first.id == "conv-a"
    assert first.metadata["line"] == 2 and second.metadata["line"] == 15
    assert roles(first) == ["system", "user", "assistant", "tool", "assistant"]
    assert first.messages[2].parts == (
        ToolCallPart(id="call_1", name="timetable", input={"to": "Leeds"}),
    )
    assert first.messages[3].parts == (
        ToolResultPart(call_id="call_1", output="14:05 from platform 4"),
    )
    assert second.messages[0].metadata == {"original_role": "developer"}
    assert second.messages[1].parts[1] == ImagePart(description="https://example.org/sign.jpg")
    assert second.messages[2].parts == (TextPart(text="I can't read signs in this photo."),)
    assert second.messages[2].metadata == {"refusal": True}


def test_openai_jsonl_keeps_invalid_arguments_and_reasoning(here: Path) -> None:
    one, two, three = load(here / "openai_chats.jsonl")
    assert [t.metadata["line"] for t in (one, two, three)] == [1, 2, 4]
    assert two.messages[1].parts == (ToolCallPart(id="c9", name="convert", input="{not json"),)
    assert three.messages[1].parts == (
        ReasoningPart(text="A greeting is wanted."),
        TextPart(text="Hi!"),
    )


def test_bare_message_list_is_one_conversation(here: Path) -> None:
    [t] = load(here / "openai_messages.json")
    assert [m.text for m in t.messages] == ["What is the capital of Norway?", "Oslo."]


def test_plain_text(here: Path) -> None:
    [t] = load(here / "chat.txt")
    assert roles(t) == ["user", "assistant", "user", "assistant"]
    assert t.messages[1].text == (
        "Hand it to the bus company's lost property office, or to the police.\n"
        "If there is an ID card inside, the police can contact the owner."
    )
    assert t.metadata == {"source": str(here / "chat.txt"), "format": "text"}


def test_markdown_text(here: Path) -> None:
    [t] = load(here / "chat.md")
    assert t.metadata["title"] == "Recipe help"
    assert [m.text for m in t.messages] == [
        "Can I swap butter for oil in a cake?",
        "Usually yes: use about three quarters as much oil as butter.",
        "And for cookies?",
        "Cookies spread more with oil, so chill the dough first.",
    ]


def test_csv_default_columns(here: Path) -> None:
    rows = load(here / "dataset.csv")
    assert [t.id for t in rows] == ["q1", "q2", "q3"]
    assert [t.metadata["line"] for t in rows] == [2, 3, 5]
    assert rows[1].messages[1].text == "Grey threads fall,\nthe street remembers."
    assert rows[2].metadata["columns"] == {"label": "refusal", "notes": ""}


def test_jsonl_rows_with_mapping(here: Path) -> None:
    rows = load(here / "dataset.jsonl", mapping="prompt=question,response=answer,id=qid")
    assert [t.id for t in rows] == ["1", "2"]
    assert rows[0].metadata["columns"] == {"grade": "correct"}
    assert roles(rows[0]) == ["user", "assistant"]


def test_prompt_only_mapping(here: Path) -> None:
    rows = load(here / "dataset.csv", mapping="prompt=prompt")
    assert roles(rows[0]) == ["user"]
    assert rows[0].metadata["columns"]["response"].startswith("Hold the reset")


def test_inspect_json_and_eval_agree(here: Path) -> None:
    from_json = load(here / "inspect_small.json")
    from_eval = load(here / "inspect_small.eval")
    assert [t.id for t in from_json] == [
        "kitchen_helper:soup:epoch1",
        "kitchen_helper:soup:epoch2",
        "kitchen_helper:7:epoch1",
        "kitchen_helper:7:epoch2",
    ]
    assert sorted(t.id for t in from_eval) == sorted(t.id for t in from_json)
    by_id = {t.id: t for t in from_eval}
    for t in from_json:
        assert by_id[t.id].messages == t.messages


def test_inspect_details(here: Path) -> None:
    soup1, soup2, oven, _ = load(here / "inspect_small.json")
    assert soup1.metadata["scores"]["match"]["value"] == "C"
    assert soup1.metadata["sample_metadata"] == {"difficulty": "easy"}
    assert soup1.metadata["model"] == "mockllm/model"
    assert soup1.metadata["target"] == "About 25 minutes"
    assert soup1.messages[2].parts[0] == ReasoningPart(
        text="Red lentils cook fast; brown ones take longer."
    )
    assert soup1.messages[2].metadata == {
        "id": "m3",
        "source": "generate",
        "model": "mockllm/model",
    }
    assert soup2.messages[2].text == "Roughly half an hour, until the lentils are soft."
    assert oven.messages[1].parts == (
        ToolCallPart(id="t1", name="read_thermometer", input={"device": "oven"}),
    )
    assert oven.messages[2].parts == (
        ToolResultPart(
            call_id="t1", output="", error="The thermometer did not answer within 5 seconds."
        ),
    )
    assert oven.messages[2].metadata == {"error_type": "timeout", "function": "read_thermometer"}


def test_native_round_trip(here: Path) -> None:
    original = load(here / "openai_chats.jsonl")[:2]
    again = load(here / "native.jsonl")
    assert [(t.id, t.messages) for t in again] == [(t.id, t.messages) for t in original]
    assert again[0].metadata == {
        "source": "fixtures/transcripts/openai_chats.jsonl",  # kept from the first import
        "line": 1,
        "index": 0,
        "format": "openai",
    }


def test_forced_format(here: Path) -> None:
    [t] = load(here / "openai_messages.json", format=TranscriptFormat.ANTHROPIC)
    assert t.metadata["format"] == "anthropic"


def test_directory_and_glob(here: Path) -> None:
    stream = load_transcripts(here, skip_invalid=True)
    found = list(stream)
    assert len(found) == 35
    assert stream.skipped  # the malformed/ folder
    globbed = load(Path(str(here / "*.jsonl")))
    assert [t.id for t in globbed][:2] == ["ticket-101", "ticket-102"]
    assert len(globbed) == 2 + 2 + 2 + 3


def test_tsv_and_hidden_files_in_a_directory(tmp_path: Path) -> None:
    (tmp_path / "rows.tsv").write_text("id\tprompt\tresponse\nr1\tHi\tHello\n")
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "junk.json").write_text("not json")
    (tmp_path / "notes.log").write_text("ignored: not a transcript suffix")
    [t] = load(tmp_path)
    assert (t.id, [m.text for m in t.messages]) == ("r1", ["Hi", "Hello"])
