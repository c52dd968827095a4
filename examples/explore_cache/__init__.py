"""A token cache kept fresh by two tasks due at the same instant (see cache.py), and its fix."""
