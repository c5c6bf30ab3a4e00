"""``python -m metis_env``: the ``metis-env`` command (the same verbs, options and exit codes).

Useful where the console script is not on ``PATH`` (a venv that is not activated, CI).
"""

from metis_env.cli.app import main

if __name__ == "__main__":
    main()
