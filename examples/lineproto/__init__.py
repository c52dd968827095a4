"""A line-based protocol client tested over mocked sockets (see test_lineproto.py)."""
