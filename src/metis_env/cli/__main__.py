"""``python -m metis_env.cli``: the same as the ``metis-env`` console script."""

from metis_env.cli.app import main

__all__ = ["main"]

if __name__ == "__main__":
    main()
