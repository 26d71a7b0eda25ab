"""Member text is inert: escaped in HTML (checked in a real browser too), fenced in Markdown."""

from __future__ import annotations

import html
import os
import re
import signal
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.app import App
from bot.clock import ManualClock
from bot.exports.text import fence, inline
from tests.exports.browser import chromium
from tests.exports.conftest import HOSTILE, Scripted, export_bytes
from tests.exports.readers import html_tree, parse_markdown

SECTIONS = [
    "Phases",
    "Transcript",
    "Results",
    "Arguments",
    "Participants",
    "Motion votes",
    "Persuasive marks",
    "Mind changes",
    "Summaries",
    "Audit log",
]


async def test_markdown_structure_survives_hostile_text(
    app: App, clock: ManualClock, scripted: Scripted
) -> None:
    text = (await export_bytes(app, clock, scripted.debate_id, "markdown")).decode()
    doc = parse_markdown(text)
    assert len(doc.headings(1)) == 1
    assert doc.headings(2) == SECTIONS
    assert HOSTILE in doc.blocks, "the hostile argument is one fenced block, verbatim"
    assert "# Heading" not in doc.lines and "# really" not in doc.lines
    assert "# Not a heading" not in doc.lines
    heading = next(i for i, line in enumerate(doc.lines) if line.startswith("### #3 "))
    assert doc.lines[heading].startswith("### #3 · Claim · for")


@given(st.text(alphabet=st.sampled_from("`~#-> \n*_[]<a\\"), max_size=60))
def test_any_text_stays_inside_its_fence(text: str) -> None:
    doc = parse_markdown("# Title\n\n" + fence(text) + "\n## After\n")
    assert doc.blocks == [text]
    assert doc.headings(2) == ["After"]


@given(st.text(max_size=60))
def test_inline_text_opens_no_construct(text: str) -> None:
    line = "Reason: " + inline(text)
    assert "\n" not in line
    unescaped = re.sub(r"\\.", "", line)
    assert not set(unescaped) & set("`*_[]<>|~&!#{}\\")


async def test_html_escapes_every_member_string(
    app: App, clock: ManualClock, scripted: Scripted
) -> None:
    text = (await export_bytes(app, clock, scripted.debate_id, "html")).decode()
    assert "<script" not in text.lower()
    assert "<img" not in text.lower()
    assert "onerror=" not in text.replace("onerror=&quot;", "")
    assert html.escape(HOSTILE, quote=True) in text
    tree = html_tree(text)
    assert {"script", "img", "link", "iframe", "object"}.isdisjoint(tree.tags)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), "no external resources"


def dump_dom(binary: str, page: Path, profile: Path, timeout: float = 60.0) -> str:
    """The DOM after load, as headless Chromium sees it (killed if it hangs)."""
    command = [
        binary,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--dump-dom",
        page.as_uri(),
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"chromium did not finish within {timeout} s")
    assert process.returncode == 0, f"chromium exited with {process.returncode}"
    return out.decode("utf-8")


def _title(dom: str) -> str:
    found = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert found is not None
    return found.group(1)


async def test_html_runs_no_script_in_chromium(
    app: App, clock: ManualClock, scripted: Scripted, tmp_path: Path
) -> None:
    binary = chromium()
    control = tmp_path / "control.html"
    control.write_text(
        "<html><head><title>clean</title></head><body>"
        "<script>document.title='PWNED'</script></body></html>"
    )
    assert _title(dump_dom(binary, control, tmp_path / "p0")) == "PWNED", (
        "the harness sees a script that runs"
    )
    page = tmp_path / "export.html"
    page.write_bytes(await export_bytes(app, clock, scripted.debate_id, "html"))
    dom = dump_dom(binary, page, tmp_path / "p1")
    assert "PWNED" not in _title(dom)
    assert _title(dom).startswith(f"Debate {scripted.debate_id}: ")
    assert not re.search(r"<body[^>]*data-pwned", dom), "no onerror handler ran"
    tree = html_tree(dom)
    assert {"script", "img"}.isdisjoint(tree.tags)
    assert tree.parent_of["arg-4"] == "arg-3", "a </details> in the text closes nothing"
    shown = html.unescape(re.sub(r"<[^>]+>", "", dom))
    for line in HOSTILE.split("\n"):
        assert line in shown, f"shown literally: {line!r}"
