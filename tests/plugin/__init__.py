"""The pytest plugin beside pytest-asyncio, and the names it shares with it (through pytester)."""
