"""pytest configuration of the toolkit's own test suite."""

pytest_plugins = ["pytester"]
