"""Finding the runnable blocks of a Markdown file."""

from __future__ import annotations

from pathlib import Path

from tests.docs.blocks import ci_block, read_blocks, runnable_blocks

PAGE = """\
# Title

```sh
constitution diff OLD NEW
```

````markdown
```sh runnable
not a block of its own: inside a four-backtick fence
```
````

```sh runnable exit=1 fake-api
constitution check a.yaml b.jsonl --fail-on violates
```

~~~python runnable
print("hi")
~~~

```sh runnable ci
make test
```
"""


def test_blocks_their_words_and_lines(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(PAGE)
    blocks = read_blocks(page, "page.md")
    assert [(b.line, b.language) for b in blocks] == [
        (3, "sh"),
        (7, "markdown"),
        (13, "sh"),
        (17, "python"),
        (21, "sh"),
    ]
    runnable = runnable_blocks(page, "page.md")
    assert [b.where for b in runnable] == ["page.md:13", "page.md:17", "page.md:21"]
    gate = runnable[0]
    assert gate.expected_exit == 1 and "fake-api" in gate.words
    assert gate.text == "constitution check a.yaml b.jsonl --fail-on violates\n"
    assert runnable[1].text == 'print("hi")\n' and runnable[1].expected_exit == 0
    assert ci_block(page, 1).text == "make test\n"
