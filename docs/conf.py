"""Sphinx configuration of the asynctoolkit documentation.

Build from the repository root (what ``nox -s docs`` runs)::

    sphinx-build -W --keep-going -q -b html docs docs/_build/html
    sphinx-build -W --keep-going -q -b doctest docs docs/_build/doctest

The doctest builder runs every example of the documentation.  The code under
test of the examples lives in ``docs/_examples/``.
"""

from __future__ import annotations

import inspect
import os
import sys

DOCS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(DOCS)
EXAMPLES = os.path.join(DOCS, "_examples")
sys.path[:0] = [ROOT, EXAMPLES]

import asynctoolkit  # noqa: E402  (after the path is set)

project = "asynctoolkit"
author = "the asynctoolkit authors"
copyright = "the asynctoolkit authors"
release = version = asynctoolkit.__version__

extensions = ["sphinx.ext.autodoc", "sphinx.ext.doctest"]
html_theme = "alabaster"
exclude_patterns = ["_build", "_examples"]
nitpicky = False

autodoc_member_order = "bysource"
autodoc_typehints = "none"
# No type comments to read; reading them needs the source of every class, which
# Python 3.13 cannot find for classes whose ``__module__`` names their re-exporting module.
autodoc_use_type_comments = False

# Run before every document's examples.  ``run_python`` runs a command the way
# a reader would in a shell, from docs/_examples/, and returns what it printed.
doctest_global_setup = f"""
import asyncio
import unittest

import asynctoolkit


def run_python(*args):
    import os, subprocess, sys

    path = os.pathsep.join([{ROOT!r}, os.environ.get("PYTHONPATH", "")])
    env = dict(os.environ, PYTHONPATH=path, PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run(
        [sys.executable, *args], cwd={EXAMPLES!r}, env=env,
        capture_output=True, text=True, timeout=300,
    )
    return done.stdout + done.stderr
"""


def _document_patch_calls(app, what, name, obj, options, lines):
    """``patch`` is an object: its page shows what calling it does, not its class."""
    if name == "asynctoolkit.mock.patch":
        lines[:] = [*inspect.getdoc(type(obj).__call__).splitlines(), ""]


def checks_table() -> list[str]:
    """The table of every check, derived from the checks' registry (reStructuredText)."""
    from asynctoolkit.case._checks import CHECKS

    lines = [".. list-table::", "   :header-rows: 1", "", "   * - check", "     - default"]
    lines.append("     - fails a test that...")
    for check in CHECKS:
        lines.append(f"   * - ``{check.name}``")
        lines.append(f"     - {'on' if check.default else 'off'}")
        lines.append(f"     - {check.fails_a_test_that.replace('`', '``')}")
    return lines


def _checks_directive():
    from docutils.parsers.rst import Directive
    from docutils.statemachine import StringList

    class ChecksTable(Directive):
        """``.. asynctoolkit-checks::``: the checks table, built from the registry."""

        def run(self):
            self.state_machine.insert_input(StringList(checks_table(), "<checks registry>"), "")
            return []

    return ChecksTable


def setup(app):
    app.connect("autodoc-process-docstring", _document_patch_calls)
    app.add_directive("asynctoolkit-checks", _checks_directive())
