"""``python -m lrcourse``: the same command as ``lrcourse`` (see :mod:`lrcourse.cli`)."""
import sys

from .cli import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())
