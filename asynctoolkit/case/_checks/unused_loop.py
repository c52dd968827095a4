"""``unused_loop``: a test that never ran its event loop."""

from __future__ import annotations

from asynctoolkit.case._checks._base import Check, Watch

__all__: list[str] = []


class UnusedLoop(Check):
    __slots__ = ("_marker", "_ran")
    name = "unused_loop"
    default = False
    fails_a_test_that = "never runs the loop"

    def __init__(self, watch: Watch) -> None:
        super().__init__(watch)
        self._ran = False
        self._marker = self.loop.call_soon(self._mark)

    def _mark(self) -> None:
        self._ran = True

    def stop(self) -> None:
        self._marker.cancel()  # before the other checks run the loop

    def findings(self) -> list[str]:
        if self._ran:
            return []
        return [
            "unused_loop: the event loop never ran during the test; a coroutine "
            "may have been created but not awaited, or the test needs no loop "
            "(turn the check off with @fail_on(unused_loop=False))."
        ]
