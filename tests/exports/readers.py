"""Reading exports back in tests: a CommonMark fence scanner, an HTML tree walk, the CSV zip."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser

_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


@dataclass
class Markdown:
    """Lines outside fenced code blocks, and the text of each fenced block."""

    lines: list[str] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)

    def headings(self, level: int) -> list[str]:
        mark = "#" * level + " "
        return [line[len(mark) :] for line in self.lines if line.startswith(mark)]

    def sections(self) -> dict[str, list[str]]:
        """Lines outside fences under each ``## `` heading."""
        found: dict[str, list[str]] = {}
        current: list[str] = []
        for line in self.lines:
            if line.startswith("## "):
                current = found.setdefault(line[3:], [])
            else:
                current.append(line)
        return found


def parse_markdown(text: str) -> Markdown:
    """Split ``text`` as CommonMark does into fenced blocks and everything else.

    A fence opens with 3+ backticks or tildes (a backtick fence's info string has no
    backtick) and closes with a line of the same character, at least as long, and nothing
    else; an unclosed fence runs to the end of the document.
    """
    doc = Markdown()
    fence: str | None = None
    body: list[str] = []
    for line in text.split("\n"):
        if fence is None:
            opened = _OPEN.match(line)
            if opened and not (opened.group(1)[0] == "`" and "`" in opened.group(2)):
                fence, body = opened.group(1), []
            else:
                doc.lines.append(line)
        elif re.fullmatch(rf" {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*", line):
            doc.blocks.append("\n".join(body))
            fence = None
        else:
            body.append(line)
    if fence is not None:
        doc.blocks.append("\n".join(body))
    return doc


def table_rows(lines: list[str]) -> list[list[str]]:
    """Body rows of the Markdown tables among ``lines`` (header and rule left out)."""
    rows = [line for line in lines if line.startswith("| ")]
    rules = [i for i, line in enumerate(lines) if line.startswith("|---")]
    headers = {lines[i - 1] for i in rules}
    return [[c.strip() for c in r.strip("|").split(" | ")] for r in rows if r not in headers]


class DetailsTree(HTMLParser):
    """Which argument each ``<details class="arg">`` sits in, and the document's elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str | None] = []
        self.parent_of: dict[str, str | None] = {}
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "details":
            ident = dict(attrs).get("id")
            enclosing = next((i for i in reversed(self.stack) if i), None)
            if ident:
                self.parent_of[ident] = enclosing
            self.stack.append(ident)

    def handle_endtag(self, tag: str) -> None:
        if tag == "details":
            self.stack.pop()


def html_tree(text: str) -> DetailsTree:
    tree = DetailsTree()
    tree.feed(text)
    tree.close()
    return tree


def csv_zip(data: bytes) -> dict[str, list[dict[str, str]]]:
    """Every CSV file of the zip, as rows keyed by the header."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"), newline="")))
            for name in archive.namelist()
        }
