"""The kernel a report notebook runs in: started ahead of its notebook, reused by batch
workers, stopped without waiting.

This module imports nothing heavy (jupyter_client only when a kernel is started), so
``csp briefing`` can launch the kernel before it imports pandas or checks anything: the
kernel boots and imports the report's module on one core while the command line does
its own work on the other.
"""

from __future__ import annotations

import contextlib

from csplib import paths

KERNEL = "python3"
#: The module each report's notebook starts by importing: a kernel imports it while it
#: boots, so the import overlaps the checks this process makes before the notebook runs.
PRELOAD = {
    "quarterly_briefing": "csplib.report.briefing",
    "strategic_assessment": "csplib.report.assessment",
}


def kernel_arguments(preload: str | None = None) -> list[str]:
    """Command-line options for a report kernel.

    The kernel's own chatter is not the report's: keep it off the user's terminal. That
    includes the start-up TCP transport warning and the "KeyboardInterrupt caught in
    kernel." it logs at ERROR when jupyter_client interrupts it on the normal shutdown
    after a successful run; a real failure still reaches the user as papermill's
    exception. History stays in memory (nothing to write per
    report). ``preload``: a module the kernel imports while it boots, before it answers
    its first request; a failure there is left to the notebook to report."""
    args = ["--IPKernelApp.log_level=CRITICAL", "--HistoryManager.hist_file=:memory:"]
    if preload:
        code = f"try:\n    __import__({preload!r})\nexcept Exception:\n    pass"
        args.append(f"--IPKernelApp.exec_lines=exec({code!r})")
    return args


class WarmKernel:
    """A Python kernel started ahead of its notebook, and kept alive across the reports
    a batch worker builds.

    Starting a kernel and importing pandas, matplotlib, scipy and statsmodels costs a
    few seconds per report. ``start`` launches the kernel without waiting for it, and
    the kernel imports the report's module (``PRELOAD``) while this process checks the
    parameters and the store; a batch worker pays it once. Between reports the
    kernel's namespace is cleared (``%reset -f``: every notebook defines what it uses;
    imported modules stay loaded), and after any failure the kernel is thrown away,
    so a hung or broken kernel never serves the next report.

    ``reuse=False``: a kernel for one notebook (``csp briefing``), started by the
    command line before anything else and stopped with :meth:`stop` once the report
    is written; it is not cleared after its notebook.
    """

    def __init__(self, *, reuse: bool = True) -> None:
        self.reuse = reuse
        self.km = None
        self.kc = None  # this side's shell channel, for clearing the namespace
        self.used = False

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        return self.km is not None and self.km.has_kernel and run_sync(self.km.is_alive)()

    def start(self, preload: str | None = None) -> None:
        """Launch a kernel unless one is alive; return without waiting for it to boot."""
        if self.alive():
            return
        self.discard()
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        km = AsyncKernelManager(kernel_name=KERNEL)
        run_sync(km.start_kernel)(cwd=str(paths.ROOT), extra_arguments=kernel_arguments(preload))
        self.km, self.used = km, False

    def get(self, preload: str | None = None):
        """The kernel manager for the next notebook: started, and cleared if reused."""
        from jupyter_core.utils import run_sync

        self.start(preload)
        if self.used:  # not released after its last notebook: clear it and wait
            kc = self.km.client()
            kc.start_channels()
            try:
                run_sync(kc.execute_interactive)("%reset -f", store_history=False, timeout=30)
            finally:
                kc.stop_channels()
        self.used = True
        return self.km

    def release(self) -> None:
        """The notebook finished: ask the kernel to clear its namespace, without waiting.

        The kernel runs requests in order, so the next notebook's first cell runs after
        the reset, and meanwhile this process exports the report it has."""
        if not self.alive():
            return self.discard()
        if self.kc is None:
            self.kc = self.km.client()
            self.kc.start_channels(iopub=False, stdin=False, hb=False, control=False)
        self.kc.execute("%reset -f", silent=True, store_history=False)
        self.used = False

    def discard(self) -> None:
        from jupyter_core.utils import run_sync

        if self.kc is not None:
            with contextlib.suppress(Exception):
                self.kc.stop_channels()
        if self.km is not None and self.km.has_kernel:
            with contextlib.suppress(Exception):
                run_sync(self.km.shutdown_kernel)(now=True)
        self.km, self.kc, self.used = None, None, False

    def stop(self) -> None:
        """Kill the kernel without waiting for it to exit.

        A kernel for one notebook has nothing to save, so it is not asked to shut down
        (that waits for its reply, then polls until it has gone): SIGKILL goes to its
        process group, which ends the kernel and anything it started at once and leaves
        nothing for it to print. The dead process is collected by this process's next
        wait or, if this process exits first, by the system; its connection file is
        removed here."""
        from jupyter_core.utils import run_sync

        km = self.km
        if km is None or not km.has_kernel:
            return self.discard()
        if self.kc is not None:
            with contextlib.suppress(Exception):
                self.kc.stop_channels()
        with contextlib.suppress(Exception):
            run_sync(km.provisioner.kill)()
        with contextlib.suppress(Exception):
            run_sync(km.cleanup_resources)()
        self.km, self.kc, self.used = None, None, False
