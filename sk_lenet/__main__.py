"""``python -m sk_lenet``: the ``sk-lenet`` command."""

import sys

from sk_lenet.cli import main

if __name__ == "__main__":
    sys.exit(main())
