"""A headless Chromium driven over the DevTools protocol, for the report's browser tests.

Chromium's ``--remote-debugging-pipe`` speaks the protocol as NUL-terminated JSON messages on file
descriptors 3 (commands in) and 4 (responses and events out), so no websocket client and no open
port are needed. `Page` records what a test asserts on: console errors, uncaught exceptions,
JavaScript dialogs (which it dismisses, so a page cannot hang the test) and elements created.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TIMEOUT_S = 30.0


class BrowserError(RuntimeError):
    """Chromium went away or answered a command with an error."""


def chromium_path() -> str | None:
    """Debian's ``chromium`` on PATH (what .ci/run installs), or None."""
    return shutil.which("chromium")


@dataclass
class Page:
    """One tab, attached in flattened mode, with what it reported since it was opened."""

    browser: Chromium
    session: str
    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Send a command to this tab and return its result."""
        return self.browser.send(method, session=self.session, **params)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (awaited when it is a promise)."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression!r} threw: {result['exceptionDetails']}")
        return result["result"].get("value")

    def click(self, selector: str) -> None:
        """Click the middle of the first element matching `selector` with real mouse events."""
        box = self.evaluate(f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
                            "e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
                            "return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        x, y = box
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def type_into(self, selector: str, text: str) -> None:
        """Focus the element matching `selector` and type `text` as keyboard input."""
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        self.send("Input.insertText", text=text)

    def screenshot(self, path: Path) -> None:
        """Save the whole page (not only the viewport) as a PNG."""
        data = self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        path.write_bytes(base64.b64decode(data))

    def pdf(self, path: Path) -> None:
        """Print the page to PDF (print stylesheet applied)."""
        data = self.send("Page.printToPDF", printBackground=True)["data"]
        path.write_bytes(base64.b64decode(data))

    def on_event(self, method: str, params: dict[str, Any]) -> None:
        """Record console errors, exceptions and dialogs; dismiss dialogs."""
        if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            self.console_errors.append(" ".join(str(a.get("value", a.get("description"))) for a in params["args"]))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            self.console_errors.append(params["entry"]["text"])
        elif method == "Runtime.exceptionThrown":
            self.exceptions.append(json.dumps(params["exceptionDetails"]))
        elif method == "Page.javascriptDialogOpening":
            self.dialogs.append(f"{params['type']}: {params['message']}")
            self.browser.post("Page.handleJavaScriptDialog", session=self.session, accept=False)


class Chromium:
    """A headless Chromium process; a context manager that always ends it and removes its profile."""

    def __init__(self, executable: str) -> None:
        self.executable = executable
        self.profile = Path(tempfile.mkdtemp(prefix="pgdiag-chromium-"))
        self.process: subprocess.Popen[bytes] | None = None
        self.pages: dict[str, Page] = {}
        self._next_id = 0
        self._buffer = b""

    def __enter__(self) -> Chromium:
        commands_read, self._commands = _pipe()
        self._replies, replies_write = _pipe()

        def child_fds() -> None:  # runs in the child before exec: the protocol's fixed descriptors 3 and 4
            os.dup2(commands_read, 3)
            os.dup2(replies_write, 4)

        self.process = subprocess.Popen(
            [self.executable, "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             f"--user-data-dir={self.profile}", "--no-first-run", "--no-default-browser-check",
             "--disable-extensions", "--disable-background-networking", "--disable-sync",
             "--disable-component-update", "--hide-scrollbars", "about:blank"],
            preexec_fn=child_fds, pass_fds=(3, 4),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(commands_read)
        os.close(replies_write)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.post("Browser.close")
        except OSError:
            pass
        if self.process is not None:
            try:
                self.process.wait(timeout=TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        os.close(self._commands)
        os.close(self._replies)
        shutil.rmtree(self.profile, ignore_errors=True)

    def open(self, url: str, width: int = 1280, height: int = 900, dark: bool = False,
             scripts: bool = True) -> Page:
        """A new tab showing `url`, loaded (the load event fired), recording events from the start."""
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        page = Page(self, session)
        self.pages[session] = page
        for domain in ("Page", "Runtime", "Log"):
            page.send(f"{domain}.enable")
        page.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                  mobile=False)
        page.send("Emulation.setEmulatedMedia",
                  features=[{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}])
        page.send("Emulation.setScriptExecutionDisabled", value=not scripts)
        page.send("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired", session)
        return page

    def post(self, method: str, session: str | None = None, **params: Any) -> int:
        """Send a command without waiting for its answer; return its id."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode("utf-8") + b"\0")
        return self._next_id

    def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """Send a command and return its result, handing events that arrive meanwhile to their page."""
        wanted = self.post(method, session, **params)
        while True:
            message = self._receive()
            if message.get("id") == wanted:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                return message.get("result", {})

    def wait_for(self, event: str, session: str) -> dict[str, Any]:
        """Read messages until `event` arrives for `session`; return its parameters."""
        while True:
            message = self._receive()
            if message.get("method") == event and message.get("sessionId") == session:
                return message.get("params", {})

    def _receive(self) -> dict[str, Any]:
        """The next message from Chromium; events are recorded by their page on the way."""
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._replies], [], [], TIMEOUT_S)
            if not ready:
                raise BrowserError(f"Chromium sent nothing for {TIMEOUT_S:.0f} s")
            chunk = os.read(self._replies, 1 << 20)
            if not chunk:
                raise BrowserError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message = json.loads(raw)
        page = self.pages.get(message.get("sessionId", ""))
        if page is not None and "method" in message:
            page.on_event(message["method"], message.get("params", {}))
        return message


def _pipe() -> tuple[int, int]:
    """A pipe whose ends are numbered 10 or higher (close-on-exec), so moving them onto the descriptors
    3 and 4 in the child cannot overwrite one with the other."""
    ends = []
    for fd in os.pipe():
        ends.append(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10))
        os.close(fd)
    return ends[0], ends[1]
