"""``active_selector_callbacks``: a reader or writer left registered on the loop."""

from __future__ import annotations

import gc
import selectors

from asynctoolkit._shared import asyncio_details, report
from asynctoolkit.case._checks._base import Check, Settle, Watch, indent

__all__: list[str] = []


class ActiveSelectorCallbacks(Check):
    __slots__ = ("_count_before", "_fds_before", "_found", "_selector")
    name = "active_selector_callbacks"
    default = True
    fails_a_test_that = "leaves a reader or writer registered on the loop"

    def __init__(self, watch: Watch) -> None:
        super().__init__(watch)
        self._found: list[str] = []
        self._selector: selectors.BaseSelector | None = asyncio_details.loop_selector(self.loop)
        # The descriptors registered before the test, or None for a fresh loop
        # that has registered only its wake-up socket (then ``_count_before`` is 1).
        self._fds_before: set[int] | None = set()
        self._count_before = 0
        if self._selector is None:
            watch.warn(self.name, "the loop has no selector")
            return
        registered = self._selector.get_map()
        count = self._count_before = len(registered)
        if watch.fresh and count == 1:
            # A new selector loop has registered only its own wake-up socket,
            # which it keeps until it closes: which one is only needed if the
            # test registers more (see ``_registered_before``; bench/bench_case.py).
            self._fds_before = None
        else:
            self._fds_before = {key.fd for key in registered.values()}

    def finish(self, settle: Settle) -> None:
        selector = self._selector
        if selector is None:
            return
        if self._fds_before is None and len(selector.get_map()) == 1:
            return  # a fresh loop's wake-up socket alone, as before the test
        if not self._new_registrations():
            return
        # Objects that unregister themselves when collected (grpc.aio's poller,
        # transports in reference cycles) get their chance before the report.
        gc.collect()
        if not self._new_registrations():
            return
        before = self._registered_before()
        for key in list(selector.get_map().values()):
            fd = key.fd
            if fd in before:
                continue
            reader, writer = asyncio_details.key_handles(key)
            for kind, handle, remove in (
                ("reader", reader, self.loop.remove_reader),
                ("writer", writer, self.loop.remove_writer),
            ):
                if handle is None or handle.cancelled():
                    continue
                line = f"{kind} on {key.fileobj!r} (fd {fd}): {report.describe_handle(handle)}"
                try:
                    remove(key.fileobj)
                except RuntimeError:  # "File descriptor ... is used by transport"
                    line += " (a transport's: close the transport, or its writer)"
                self._found.append(line)

    def findings(self) -> list[str]:
        if not self._found:
            return []
        return [
            "active_selector_callbacks: callbacks still registered at the end of the test "
            "(removed, except a transport's); call loop.remove_reader()/remove_writer() or "
            "close the transport:\n" + indent("\n".join(self._found))
        ]

    def _new_registrations(self) -> bool:
        assert self._selector is not None
        registered = self._selector.get_map()
        if len(registered) != self._count_before:
            return True
        if self._fds_before is None:
            # Still one registration: the wake-up socket a fresh loop keeps.
            return False
        return not all(fd in registered for fd in self._fds_before)

    def _registered_before(self) -> set[int]:
        if self._fds_before is None:
            self_fd = asyncio_details.self_pipe_fd(self.loop)
            self._fds_before = set() if self_fd is None else {self_fd}
        return self._fds_before
