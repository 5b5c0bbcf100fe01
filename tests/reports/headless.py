"""Open a page in headless Chromium as a person would, over the DevTools pipe.

Chromium is started with ``--remote-debugging-pipe``: it reads DevTools commands on file
descriptor 3 and writes replies and events on 4, one NUL-terminated JSON message each.  That is
enough to load a page, wait for its load event, ask the live DOM what it shows (tables, rows,
decoded images), collect console errors, uncaught exceptions and error log entries (a blocked
resource or a Content-Security-Policy violation lands there), and take a full-page screenshot —
with no driver library and no network port.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--remote-debugging-pipe",
)
WIDTH = 1280
MAX_HEIGHT = 9000  # tall pages are cut here in the screenshot
PAGE_FACTS = """(() => {
  const images = Array.from(document.images);
  return {
    title: document.title,
    tables: document.querySelectorAll('table').length,
    theorem_rows: document.querySelectorAll('#theorems tbody tr').length,
    images: images.length,
    broken_images: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt),
    math: document.querySelectorAll('math').length,
    scripts: document.querySelectorAll('script').length,
    height: document.documentElement.scrollHeight,
    text: document.body.innerText,
  };
})()"""


def chromium_executable() -> str | None:
    """The Chromium on PATH (Debian's package installs ``chromium``), or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass(slots=True)
class PageVisit:
    """What the browser showed: DOM facts, errors it reported, and the screenshot's path."""

    facts: dict[str, Any]
    errors: list[str] = field(default_factory=list)
    screenshot: Path | None = None


class Chromium:
    """One headless Chromium process driven over the DevTools pipe."""

    def __init__(self, executable: str, profile: Path, timeout: float = 60.0) -> None:
        self.timeout = timeout
        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()

        def plumb() -> None:  # in the child: the pipe ends Chromium expects on fds 3 and 4
            # via copies above 10 first, so that neither dup2 overwrites the other pipe end
            reading = fcntl.fcntl(to_browser_read, fcntl.F_DUPFD, 10)
            writing = fcntl.fcntl(from_browser_write, fcntl.F_DUPFD, 10)
            os.dup2(reading, 3)  # dup2 leaves the copies inheritable
            os.dup2(writing, 4)

        self.process = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=plumb, close_fds=False,  # Python's own descriptors are non-inheritable anyway
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._buffer = b""
        self._messages: list[dict[str, Any]] = []
        self._next_id = 0

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._write({"id": 0, "method": "Browser.close", "params": {}})
        except OSError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for descriptor in (self._to_browser, self._from_browser):
            try:
                os.close(descriptor)
            except OSError:
                pass

    def _write(self, message: dict[str, Any]) -> None:
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")

    def command(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        """Send one command and return its result (a DevTools error raises RuntimeError)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        self._write(message)
        reply = self.wait_for(lambda m, wanted=self._next_id: m.get("id") == wanted)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The first message (already received or to come) that satisfies ``predicate``."""
        deadline = time.monotonic() + self.timeout
        seen = 0
        while True:
            for message in self._messages[seen:]:
                if predicate(message):
                    return message
            seen = len(self._messages)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("Chromium did not answer in time")
            self._read(remaining)

    def _read(self, timeout: float) -> None:
        ready, _, _ = select.select([self._from_browser], [], [], timeout)
        if not ready:
            return
        chunk = os.read(self._from_browser, 1 << 20)
        if not chunk:
            raise RuntimeError(f"Chromium closed the DevTools pipe (exit status {self.process.poll()})")
        self._buffer += chunk
        *complete, self._buffer = self._buffer.split(b"\0")
        self._messages += [json.loads(part) for part in complete if part]

    def errors(self, session: str) -> list[str]:
        """Console errors, uncaught exceptions and error-level log entries of one tab."""
        found = []
        for message in self._messages:
            if message.get("sessionId") != session:
                continue
            method, params = message.get("method"), message.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(f"exception: {params.get('exceptionDetails', {}).get('text')}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(f"console.{params['type']}: {[a.get('value') for a in params.get('args', [])]}")
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                found.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}".strip())
        return found

    def visit(self, url: str, screenshot: Path | None = None) -> PageVisit:
        """Load ``url`` in a new tab, wait for its load event, read the DOM, screenshot it."""
        target = self.command("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.command("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.command(f"{domain}.enable", session=session)
        self.command("Emulation.setDeviceMetricsOverride", {"width": WIDTH, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session)
        self.command("Page.navigate", {"url": url}, session)
        self.wait_for(lambda m: m.get("method") == "Page.loadEventFired" and m.get("sessionId") == session)
        facts = self.command("Runtime.evaluate", {"expression": PAGE_FACTS, "returnByValue": True}, session)["result"]["value"]
        visit = PageVisit(facts=facts)
        if screenshot is not None:
            height = min(int(facts["height"]), MAX_HEIGHT)
            self.command("Emulation.setDeviceMetricsOverride", {"width": WIDTH, "height": height, "deviceScaleFactor": 1, "mobile": False}, session)
            data = self.command("Page.captureScreenshot", {"format": "png"}, session)["data"]
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            screenshot.write_bytes(base64.b64decode(data))
            visit.screenshot = screenshot
        visit.errors = self.errors(session)
        return visit
