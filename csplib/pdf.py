"""Printing a finished report page to PDF for committee packs, with headless Chromium.

The page is opened with the network blocked and printed through the DevTools protocol
(``Page.printToPDF``) on A4 with a footer carrying the report's title and "Page n of
N". Chromium is driven over ``--remote-debugging-pipe`` (file descriptors 3 and 4), so no
port is opened and no extra Python package is needed. Print rules (:data:`PRINT_CSS`)
are added to the page for printing only: headings kept with what follows them, no table
row split across pages, table headers repeated, charts no taller than half a page.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import html
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from csplib.errors import CspError

#: A4 in inches, as printToPDF takes it.
A4 = (8.27, 11.69)
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-default-apps", "--mute-audio",
    # No network at all: a report is self-contained, so anything else would be a fault.
    "--proxy-server=http://127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
]  # fmt: skip
PRINT_CSS = """
@page { size: A4; margin: 16mm 14mm 20mm 14mm; }
h1, h2, h3, h4, caption { break-after: avoid; page-break-after: avoid; }
tr, th, td, figure, img, .callout { break-inside: avoid; page-break-inside: avoid; }
thead { display: table-header-group; }
.table-wrap { overflow: visible !important; }
table { width: 100%; font-size: 9pt; }
figure img { max-width: 100%; max-height: 130mm; object-fit: contain; }
"""
FOOTER = (
    '<div style="font-size:8px;width:100%;margin:0 14mm;color:#444;'
    'font-family:Arial,Helvetica,sans-serif;display:flex;justify-content:space-between">'
    '<span>{title}</span><span>Page <span class="pageNumber"></span> of '
    '<span class="totalPages"></span></span></div>'
)


def find_browser() -> str | None:
    """Chromium's path: ``CSP_CHROMIUM``, else chromium, chromium-browser or chrome on
    the PATH; None when there is none."""
    env = os.environ.get("CSP_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _high(fd: int) -> int:
    """A copy of ``fd`` numbered 10 or more (the original closed)."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return high


def require_browser() -> str:
    """Chromium's path, or a :class:`CspError` saying how to get it."""
    browser = find_browser()
    if browser is None:
        raise CspError(
            "writing PDF needs Chromium, and none was found",
            fix="install it (Debian or Ubuntu: apt-get install chromium), set CSP_CHROMIUM "
            "to its path, or build the report without --pdf (pdf: false)",
        )
    return browser


class _Pipe:
    """The DevTools protocol over Chromium's pipe: JSON messages ending in a NUL byte."""

    def __init__(self, write_fd: int, read_fd: int, deadline: float) -> None:
        self.w, self.r, self.deadline = write_fd, read_fd, deadline
        self.buf = b""
        self.next_id = 0
        self.events: list[dict] = []

    def _read(self) -> dict:
        while b"\0" not in self.buf:
            left = self.deadline - time.monotonic()
            if left <= 0 or not select.select([self.r], [], [], left)[0]:
                raise TimeoutError
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                raise EOFError
            self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, session: str | None = None, **params) -> dict:
        self.next_id += 1
        msg: dict = {"id": self.next_id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str) -> None:
        while not any(e.get("method") == method for e in self.events):
            self.events.append(self._read())


def print_pdf(html_path: Path, pdf_path: Path, *, title: str = "", timeout: float = 120) -> Path:
    """Print ``html_path`` to ``pdf_path`` (A4, footer with ``title`` and page numbers).

    Raises :class:`CspError` when Chromium is not installed, or fails or hangs."""
    browser = require_browser()
    profile = Path(tempfile.mkdtemp(prefix="csp-pdf-"))
    to_child, from_parent = os.pipe()  # our commands -> Chromium's fd 3
    to_parent, from_child = os.pipe()  # Chromium's fd 4 -> our replies
    # Above 9, so making one fd 3 cannot overwrite the other before it becomes fd 4.
    to_child, from_child = (_high(fd) for fd in (to_child, from_child))
    cmd = [browser, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe",
           "about:blank"]  # fmt: skip

    def as_fds_3_and_4() -> None:  # in the child, before exec: dup2'd fds are inherited
        os.dup2(to_child, 3)
        os.dup2(from_child, 4)

    # close_fds=False: it would close 3 and 4 after the hook; every other descriptor this
    # process opens is close-on-exec already (PEP 446).
    proc = subprocess.Popen(
        cmd, preexec_fn=as_fds_3_and_4, close_fds=False, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    os.close(to_child)
    os.close(from_child)
    pipe = _Pipe(from_parent, to_parent, time.monotonic() + timeout)
    try:
        target = pipe.send("Target.createTarget", url="about:blank")["targetId"]
        s = pipe.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        pipe.send("Page.enable", s)
        pipe.send("Page.navigate", s, url=Path(html_path).resolve().as_uri())
        pipe.wait_for("Page.loadEventFired")
        style = json.dumps(PRINT_CSS)
        pipe.send("Runtime.evaluate", s, expression=(
            "const s = document.createElement('style'); s.media = 'print'; "
            f"s.textContent = {style}; document.head.appendChild(s); true"
        ))  # fmt: skip
        result = pipe.send(
            "Page.printToPDF", s, paperWidth=A4[0], paperHeight=A4[1], printBackground=True,
            preferCSSPageSize=True, displayHeaderFooter=True, headerTemplate="<div></div>",
            footerTemplate=FOOTER.format(title=html.escape(title)),
            marginTop=0.6, marginBottom=0.8, marginLeft=0.55, marginRight=0.55,
        )  # fmt: skip
        data = base64.b64decode(result["data"])
        with contextlib.suppress(EOFError, OSError, TimeoutError):  # it may just close
            pipe.send("Browser.close")
    except (TimeoutError, EOFError, RuntimeError, OSError) as err:
        raise CspError(
            f"Chromium could not print the report to PDF ({type(err).__name__}: {err})",
            file=html_path,
            fix="check the report opens in a browser; try again, or build it without --pdf",
        ) from None
    finally:
        for fd in (from_parent, to_parent):
            with contextlib.suppress(OSError):
                os.close(fd)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)
    Path(pdf_path).write_bytes(data)
    return Path(pdf_path)
