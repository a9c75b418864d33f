"""User text cannot break the report's Markdown: each escape, checked by a CommonMark parser."""

import pytest

from incidents.reports.markdown import block, cell, inline, quote, table

markdown_it = pytest.importorskip("markdown_it")
PARSER = markdown_it.MarkdownIt("commonmark").enable("table")


def html(markdown: str) -> str:
    return PARSER.render(markdown)


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("# not a heading", "\\# not a heading"),
        ("a | b", "a \\| b"),
        ("*bold* and _it_ ~~s~~", "\\*bold\\* and \\_it\\_ \\~\\~s\\~\\~"),
        ("`code`", "\\`code\\`"),
        ("<script>alert(1)</script>", "\\<script\\>alert(1)\\</script\\>"),
        ("[link](http://evil)", "\\[link\\](http://evil)"),
        ("![img](x.png)", "!\\[img\\](x.png)"),
        ("&amp; &#39; R&D", "\\&amp; &\\#39; R&D"),
        ("- not a list", "\\- not a list"),
        ("+ not a list", "\\+ not a list"),
        ("1. not a list", "1\\. not a list"),
        ("12) not a list", "12\\) not a list"),
        ("back\\slash", "back\\\\slash"),
        ("two\nlines\r\nhere", "two lines here"),
        ("   indented", "indented"),
        ("nul\x00 and bell\x07", "nul and bell"),
    ],
)
def test_inline_escapes(text, escaped):
    assert inline(text) == escaped


@pytest.mark.parametrize(
    "text",
    [
        "# heading", "a | b", "*b* _i_", "`c`", "<script>alert(1)</script>", "<b>bold</b>",
        "[l](http://x)", "&amp;", "&#39;", "&eacute;", "- item", "1. item", "===", "---",
        "> quote", "    code", "<http://autolink>", "a\\", "x\ny",
    ],
)  # fmt: skip
def test_inline_text_renders_as_itself_in_one_paragraph(text):
    rendered = html(inline(text))

    expected = " ".join(part.strip() for part in text.splitlines()).strip()
    assert rendered == f"<p>{markdown_it.common.utils.escapeHtml(expected)}</p>\n"


def test_a_cell_holds_anything_in_its_cell():
    nasty = "a | b\nc || `d` <i>e</i>"
    rendered = html(table(["one", "two"], [[cell(nasty), cell("")]]))

    assert rendered.count("<td>") == 2
    assert "<td>a | b c || `d` &lt;i&gt;e&lt;/i&gt;</td>" in rendered
    assert "<td>—</td>" in rendered


def test_a_block_keeps_its_lines_and_paragraphs_as_text():
    text = "# Title\n- item\n1. first\n===\n\n    code\n> quote\n<div>raw</div>\n\n\nlast"

    rendered = html(block(text))

    assert rendered == (
        "<p># Title<br />\n- item<br />\n1. first<br />\n===</p>\n"
        "<p>code<br />\n&gt; quote<br />\n&lt;div&gt;raw&lt;/div&gt;</p>\n"
        "<p>last</p>\n"
    )


def test_a_quote_stays_one_quote():
    rendered = html(quote("line one\n\n# two\n- three"))

    assert rendered == (
        "<blockquote>\n<p>line one</p>\n<p># two<br />\n- three</p>\n</blockquote>\n"
    )
