"""``python -m safemaker``: the same command line as the ``safemaker`` console script."""

from safemaker.cli import main

if __name__ == "__main__":  # pragma: no branch
    main()
