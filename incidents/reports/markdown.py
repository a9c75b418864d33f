"""Markdown that user text cannot break: escaping for inline text, table cells and blocks.

User text (titles, summaries, notes, bodies, names) goes into the report only through these
functions. Inline, every character Markdown could read as syntax is backslash-escaped
(CommonMark lets any ASCII punctuation be escaped): emphasis (`*`, `_`, `~`), code (backticks),
links and images (`[`, `]`), HTML and autolinks (`<`, `>`), tables (`|`), headings (`#`), the
escape itself (backslash) and entity references (`&name;`). Line breaks become spaces in a line
or a table cell; in a block every line is escaped and also loses what would make it a list
item, a heading underline or a code block at its start (`-`, `+`, `=`, `1.`, indentation).
"""

import re

_INLINE = re.compile(r"([\\`*_~\[\]<>|#])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
_ORDERED = re.compile(r"^(\d{1,9})([.)])")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")  # keeps tabs and the line breaks
EMPTY = "—"


def _clean(text) -> str:
    return _CONTROL.sub("", str(text)).replace("\t", " ")


def _escape(text: str) -> str:
    return _ENTITY.sub(r"\\&", _INLINE.sub(r"\\\1", text))


def inline(text) -> str:
    """`text` as one line of literal Markdown text (line breaks become spaces)."""
    line = " ".join(part.strip() for part in _clean(text).splitlines())
    return _line_start(_escape(line.strip()))


def cell(text) -> str:
    """`text` as a table cell (EMPTY when there is nothing)."""
    value = inline(text) if text not in (None, "") else ""
    return value or EMPTY


def _line_start(line: str) -> str:
    if line[:1] in ("-", "+", "="):
        return "\\" + line
    return _ORDERED.sub(r"\1\\\2", line)


def block(text) -> str:
    """`text` as paragraphs of literal text: its line breaks kept (hard breaks), blank lines
    separating paragraphs."""
    paragraphs, lines = [], []
    for raw in [*_clean(text).splitlines(), ""]:
        line = raw.strip()
        if line:
            lines.append(_line_start(_escape(line)))
        elif lines:
            paragraphs.append("\\\n".join(lines))
            lines = []
    return "\n\n".join(paragraphs)


def quote(text) -> str:
    """`text` as a block quote."""
    body = block(text)
    return "\n".join(f"> {line}" if line else ">" for line in body.split("\n"))


def table(header: list[str], rows: list[list[str]]) -> str:
    """A table whose cells are already Markdown (made by `cell` or from our own labels)."""
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
