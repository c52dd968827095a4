"""``asynctest.helpers``: ``exhaust_callbacks``, asynctoolkit's own."""

from __future__ import annotations

from asynctoolkit.helpers import exhaust_callbacks

__all__ = ["exhaust_callbacks"]
