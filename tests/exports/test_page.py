"""The HTML export in a real browser: no sideways scrolling on a desktop or a phone, in light
and dark, printable, and still inert.

Screenshots land in ``tmp_path``, or in ``$DEBATE_BOT_SCREENSHOTS`` when set (to look at them).
"""

from __future__ import annotations

import base64
import os
import struct
from pathlib import Path

from bot.app import App
from bot.clock import ManualClock
from tests.exports.browser import browser, layout
from tests.exports.conftest import LONG_URL, LONG_WORD, Scripted, export_bytes

#: (width, height, phone): a laptop browser window and an iPhone 14-sized screen.
SCREENS = ((1280, 800, False), (390, 844, True))


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def shots_folder(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("DEBATE_BOT_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def test_no_sideways_scrolling_at_1280_or_390_in_light_and_dark(
    app: App, clock: ManualClock, scripted: Scripted, tmp_path: Path
) -> None:
    page_file = tmp_path / "export.html"
    page_file.write_bytes(await export_bytes(app, clock, scripted.debate_id, "html"))
    control = tmp_path / "control.html"
    control.write_text(
        '<!DOCTYPE html><meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>control</title><p>{LONG_WORD}</p>"
    )
    shots = shots_folder(tmp_path)
    backgrounds = {}
    async with browser(tmp_path / "profile") as page:
        await page.viewport(390, 844, mobile=True)
        await page.open(control.as_uri())
        wide = await layout(page)
        # A phone widens its layout viewport to fit what overflows: both numbers grow.
        assert wide["scrollWidth"] > 390, "the harness sees a page that overflows"
        assert wide["innerWidth"] > 390
        for width, height, phone in SCREENS:
            for scheme in ("light", "dark"):
                await page.viewport(width, height, mobile=phone)
                await page.scheme(scheme)
                await page.open(page_file.as_uri())
                found = await layout(page)
                assert found["innerWidth"] == width, (width, found["wide"])
                assert found["scrollWidth"] <= width, (width, found["wide"])
                assert found["wide"] == [], "nothing sticks out past the right edge"
                assert found["title"].startswith(f"Debate {scripted.debate_id}: ")
                assert not found["pwned"], "no handler in member text ran"
                backgrounds[width, scheme] = found["background"]
                shot = shots / f"export-{width}-{scheme}.png"
                await page.screenshot(shot)
                shot_width, shot_height = png_size(shot)
                assert shot_width == width and shot_height > height, "the whole page"
            text = await page.evaluate("document.body.innerText")
            assert LONG_URL in text.replace("\n", ""), "long text wraps, it is not cut"
        broken = await page.evaluate(
            "[...document.querySelectorAll('a[href^=\"#\"]')]"
            ".map(a => a.getAttribute('href').slice(1))"
            ".filter(id => !document.getElementById(id))"
        )
        assert broken == [], "every link within the page has its target"
        toc = await page.evaluate("[...document.querySelectorAll('nav.toc a')].length")
        assert toc == 10, "the contents list every section"
        folds = await page.evaluate("document.querySelectorAll('details.arg > summary').length")
        assert folds == 9, "each argument's thread folds"
        await page.scheme("light")
        pdf = await page.send("Page.printToPDF", printBackground=False)
        document = base64.b64decode(pdf["data"])
        assert document.startswith(b"%PDF")
        (shots / "export.pdf").write_bytes(document)
    for width, _, _ in SCREENS:
        assert backgrounds[width, "light"] != backgrounds[width, "dark"], "dark mode applies"
