"""Who started each thread, and what the toolkit's own worker threads are doing.

The ``running_threads`` check fails a test that leaves a thread running, but
not for a thread that a library keeps for the life of the process.  To tell
them apart it needs to know who started each thread: while a test runs,
``threading.Thread.start`` is wrapped (``watch_starts``) to remember the
innermost frame outside the standard library and asynctoolkit.

The toolkit's own pools (the rpc doubles' handler threads) live for the
process; a worker running a handler for a test says so with ``working_for``,
and the check names what it was doing.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

__all__: list[str] = []

#: Each thread started while a test watched: (its start number, where it was
#: started from as "file:line", or None: from the standard library or
#: asynctoolkit alone).
start_sites: weakref.WeakKeyDictionary[threading.Thread, tuple[int, str | None]] = (
    weakref.WeakKeyDictionary()
)
#: How many threads were started while a test watched (a test compares the
#: number before and after it, instead of listing every thread).
starts = 0
#: How many times a toolkit worker began doing something for a test (a test
#: that sees the same number before and after it knows that no worker began
#: working during it, without listing the busy ones).
work_begun = 0
#: The executor threads a test's loop was closed without (their jobs ran on):
#: already reported, the ``running_threads`` check leaves them out, and a run
#: says at its end that the process waits for those still running.
given_up: weakref.WeakSet[threading.Thread] = weakref.WeakSet()
#: What a toolkit worker thread is doing for a test now (thread ident -> words).
_work: dict[int, str] = {}
_lock = threading.Lock()
_watchers = 0
_original_start: Callable[[threading.Thread], None] = threading.Thread.start

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


@functools.cache
def _install_dirs() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The standard library's directories, and the installed packages' ones.

    Found on first need, not at import: ``sysconfig.get_paths()`` costs about
    two milliseconds, which every run importing ``TestCase`` would pay.
    """
    import sysconfig

    paths = sysconfig.get_paths()
    stdlib = {os.path.realpath(paths[key]) + os.sep for key in ("stdlib", "platstdlib")}
    site = {os.path.realpath(p) + os.sep for key in ("purelib", "platlib") if (p := paths.get(key))}
    return tuple(stdlib), tuple(site)


def _started(thread: threading.Thread) -> None:
    global starts
    starts += 1
    start_sites[thread] = (starts, _starter(sys._getframe(1)))
    _original_start(thread)


def started_since(number: int) -> list[tuple[threading.Thread, str | None]]:
    """The threads started after start number ``number`` (while watched), with their sites."""
    return [(t, site) for t, (n, site) in list(start_sites.items()) if n > number]


def watch_starts() -> Callable[[], None]:
    """Remember who starts each thread from now on; returns the undo.

    Nested and concurrent watchers share one wrapper: the last undo removes it.
    """
    global _watchers
    with _lock:
        _watchers += 1
        if _watchers == 1:
            threading.Thread.start = _started  # type: ignore[method-assign,assignment]

    def undo() -> None:
        global _watchers
        with _lock:
            _watchers -= 1
            if _watchers == 0:
                threading.Thread.start = _original_start  # type: ignore[method-assign,assignment]

    return undo


def _starter(frame: FrameType | None) -> str | None:
    """The innermost frame outside the standard library and asynctoolkit, as ``file:line``."""
    while frame is not None:
        filename = frame.f_code.co_filename
        if not _is_ours_or_stdlib(filename):
            return f"{filename}:{frame.f_lineno}"
        frame = frame.f_back
    return None


def _is_ours_or_stdlib(filename: str) -> bool:
    if filename.startswith(_PACKAGE_DIR) or filename.startswith("<"):
        return True
    path = os.path.realpath(filename)
    stdlib, site = _install_dirs()
    return path.startswith(stdlib) and not path.startswith(site)


def from_installed_package(site: str) -> bool:
    """True if ``site`` (``file:line``) is in an installed package, not the project."""
    path = os.path.realpath(site.rpartition(":")[0])
    return path.startswith(_install_dirs()[1]) or "site-packages" + os.sep in path


@contextlib.contextmanager
def working_for(description: str) -> Iterator[None]:
    """Mark the current (toolkit worker) thread as doing ``description`` for a test."""
    global work_begun
    ident = threading.get_ident()
    work_begun += 1
    _work[ident] = description
    try:
        yield
    finally:
        _work.pop(ident, None)


def busy_workers() -> frozenset[int]:
    """The idents of the toolkit worker threads doing something for a test now."""
    return frozenset(_work) if _work else _NOBODY


_NOBODY: frozenset[int] = frozenset()


def work_of(thread: threading.Thread) -> str | None:
    """What a toolkit worker thread is doing for a test, or None when idle."""
    ident = thread.ident
    return None if ident is None else _work.get(ident)


def waiting_at_exit() -> str:
    """A run's last words about the threads of ``given_up`` still running
    (the process waits for them as it exits), or ''."""
    left = [thread for thread in list(given_up) if thread.is_alive()]
    if not left:
        return ""
    names = ", ".join(repr(thread.name) for thread in left)
    return (
        f"asynctoolkit: the process now waits for {len(left)} executor thread(s) still "
        f"running jobs that tests left (see their failures): {names}"
    )


def target_of(thread: threading.Thread) -> Any:
    """What ``thread`` runs: its ``target``, else its ``run`` method.

    Detail: ``Thread._target`` (set by ``Thread.__init__``, deleted when
    ``run`` returns); a subclass overriding ``run`` has none.
    """
    target = getattr(thread, "_target", None)
    return target if target is not None else thread.run
