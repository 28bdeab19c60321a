"""Open a report in headless Chromium with the network blocked, over the DevTools
protocol: console errors, failed requests, images, a DOM probe and a screenshot.

Uses Debian's ``chromium`` (``.ci/run`` installs it when missing); tests skip with a
reason when no browser exists.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import websocket

FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-default-apps", "--mute-audio",
    # No network at all: anything but the file itself would fail to load.
    "--proxy-server=http://127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
]  # fmt: skip

PROBE = """JSON.stringify({
  images: Array.from(document.images).map(i => ({ok: i.complete && i.naturalWidth > 0,
                                                 alt: i.getAttribute('alt')})),
  h1: document.querySelectorAll('h1').length,
  scripts: document.querySelectorAll('script').length,
  tables: document.querySelectorAll('table').length,
  captions: document.querySelectorAll('table > caption').length,
  xss: window.__xss === true,
  // Tables whose right edge passes the page's width (caption, first 80 characters).
  wide: Array.from(document.querySelectorAll('table'))
    .filter(t => t.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
    .map(t => (t.caption ? t.caption.innerText : '(no caption)').slice(0, 80)),
  text: document.body.innerText
})"""


def find_browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class _Session:
    def __init__(self, url: str) -> None:
        self.ws = websocket.create_connection(url, timeout=30)
        self.next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, **params) -> dict:
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_for(self, method: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        if any(e.get("method") == method for e in self.events):
            return
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            self.events.append(msg)
            if msg.get("method") == "Page.javascriptDialogOpening":
                # alert() blocks the page until answered: record it, dismiss it, go on.
                self.ws.send(json.dumps({"id": 10_000 + len(self.events),
                                         "method": "Page.handleJavaScriptDialog",
                                         "params": {"accept": False}}))  # fmt: skip
            if msg.get("method") == method:
                return
        raise TimeoutError(method)


def launch(browser: str, width: int = 1200, flags: list[str] = FLAGS) -> tuple:
    """Start headless Chromium ``width`` pixels wide; return (process, profile folder,
    DevTools port). The caller stops the process and removes the profile."""
    profile = Path(tempfile.mkdtemp(prefix="csp-chromium-"))
    proc = subprocess.Popen(
        [browser, *flags, f"--user-data-dir={profile}", "--remote-debugging-port=0",
         f"--window-size={width},900", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    port_file = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 30
    while not port_file.exists() or not port_file.read_text().strip():
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise RuntimeError("chromium did not start its DevTools endpoint")
        time.sleep(0.1)
    return proc, profile, int(port_file.read_text().split()[0])


def open_report(
    html: Path, screenshot: Path, browser: str, width: int = 1200, media: str | None = None
) -> dict:
    """Load ``html`` with the network blocked in a window ``width`` pixels wide; return
    what the page did (``wide`` lists the tables that pass the page's right edge).
    ``media="print"`` lays the page out with its print styles (as a PDF prints it)."""
    proc, profile, port = launch(browser, width)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
            targets = json.load(r)
        page = next(t for t in targets if t.get("type") == "page")
        s = _Session(page["webSocketDebuggerUrl"])
        for domain in ("Network", "Runtime", "Log", "Page"):
            s.send(f"{domain}.enable")
        s.send("Network.setBlockedURLs", urls=["http://*", "https://*", "ws://*", "wss://*"])
        if media:
            s.send("Emulation.setEmulatedMedia", media=media)
        s.send("Page.navigate", url=html.resolve().as_uri())
        s.wait_for("Page.loadEventFired")
        probe = json.loads(
            s.send("Runtime.evaluate", expression=PROBE, returnByValue=True)["result"]["value"]
        )
        shot = s.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        screenshot.write_bytes(base64.b64decode(shot["data"]))
        errors = []
        for e in s.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                errors.append(str(p.get("args")))
            elif m == "Runtime.exceptionThrown":
                errors.append(str(p.get("exceptionDetails")))
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                errors.append(p["entry"].get("text", ""))
            elif m == "Network.loadingFailed":
                errors.append(f"request failed: {p.get('errorText')}")
        dialogs = [e["params"].get("message", "") for e in s.events
                   if e.get("method") == "Page.javascriptDialogOpening"]  # fmt: skip
        s.ws.close()
        return {**probe, "console_errors": errors, "dialogs": dialogs}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(profile, ignore_errors=True)
