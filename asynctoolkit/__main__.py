"""``python -m asynctoolkit``: run tests like ``python -m unittest``, with the toolkit's options."""

from asynctoolkit.case._runner import main

if __name__ == "__main__":
    main()
