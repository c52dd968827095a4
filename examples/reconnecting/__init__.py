"""A client service that keeps one connection open, reconnecting with backoff (see service.py)."""
