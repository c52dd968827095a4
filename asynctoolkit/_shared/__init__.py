"""What several public packages share; nothing here is public.

- ``asyncio_details``: every private asyncio detail the toolkit depends on,
  each with a canary test in ``tests/shared/``.
- ``report``: how failures describe tasks, coroutines and creation sites.
- ``settings``: process-wide settings (``--strict``, ``--timeout``).
- ``tracking``: where tasks and coroutines were created, for the reports.
"""
