"""Headless Chromium driven over the DevTools protocol (loopback only), for the HTML export.

The export's Content-Security-Policy forbids scripts, so the page cannot report its own
layout; the DevTools protocol measures it from outside (``Runtime.evaluate`` is not page
script), sets the viewport as a phone or a desktop would, switches the colour scheme and
takes screenshots.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest


def chromium() -> str:
    """The Chromium binary; skips (or fails under ``DEBATE_BOT_REQUIRE_CHROMIUM=1``) without."""
    binary = shutil.which("chromium")
    if binary is None:
        if os.environ.get("DEBATE_BOT_REQUIRE_CHROMIUM") == "1":
            pytest.fail("DEBATE_BOT_REQUIRE_CHROMIUM=1 but no chromium binary on PATH")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return binary


class Page:
    """One tab: navigate, evaluate an expression, set the viewport, screenshot."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket
        self.ids = itertools.count(1)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Send a command and wait for its answer (events in between are dropped)."""
        ident = next(self.ids)
        await self.socket.send_json({"id": ident, "method": method, "params": params})
        while True:
            message = await self.socket.receive_json(timeout=60)
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))

    async def viewport(self, width: int, height: int, *, mobile: bool) -> None:
        await self.send(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=mobile,
        )

    async def scheme(self, value: str) -> None:
        """``light`` or ``dark`` for ``prefers-color-scheme``."""
        await self.send(
            "Emulation.setEmulatedMedia",
            features=[{"name": "prefers-color-scheme", "value": value}],
        )

    async def open(self, url: str) -> None:
        await self.send("Page.navigate", url=url)
        for _ in range(600):
            if await self.evaluate("document.readyState") == "complete":
                return
            await asyncio.sleep(0.05)
        raise TimeoutError(f"{url} did not finish loading")

    async def evaluate(self, expression: str) -> Any:
        answer = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in answer:
            raise RuntimeError(f"{expression}: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    async def screenshot(self, path: Path) -> None:
        """The whole page, top to bottom, as PNG."""
        answer = await self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        _write(path, base64.b64decode(answer["data"]))


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)


@contextlib.asynccontextmanager
async def browser(profile: Path) -> AsyncIterator[Page]:
    """Start headless Chromium on a free loopback port and attach to its first tab."""
    process, port = _launch(profile)
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/json/list") as answer:
                targets = await answer.json()
            page = next(t for t in targets if t["type"] == "page")
            async with http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as socket:
                yield Page(socket)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _launch(profile: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Chromium with its DevTools on a port it picks (written to ``DevToolsActivePort``)."""
    profile.mkdir(parents=True, exist_ok=True)
    active = profile / "DevToolsActivePort"
    active.unlink(missing_ok=True)  # a previous run's port
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--hide-scrollbars",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
        f"--user-data-dir={profile}",
        "about:blank",
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    for _ in range(600):
        if active.exists():
            first = active.read_text().split("\n", 1)[0].strip()
            if first.isdigit():
                return process, int(first)
        if process.poll() is not None:
            pytest.fail(f"chromium exited with {process.returncode} before listening")
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    pytest.fail("chromium did not open its DevTools port within 30 s")


#: What the overflow test reads from the page: widths, and the widest elements if too wide.
LAYOUT = """(() => {
  const root = document.documentElement;
  const wide = [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > innerWidth + 0.5
                  && !el.closest('.scroll'))
    .slice(0, 5)
    .map(el => el.tagName + '.' + el.className + ' '
               + Math.round(el.getBoundingClientRect().right));
  return JSON.stringify({scrollWidth: root.scrollWidth, innerWidth: innerWidth,
    title: document.title, pwned: document.body.hasAttribute('data-pwned'),
    background: getComputedStyle(document.body).backgroundColor, wide: wide});
})()"""


async def layout(page: Page) -> dict[str, Any]:
    return dict(json.loads(await page.evaluate(LAYOUT)))
