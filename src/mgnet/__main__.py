"""``python -m mgnet ...``: the ``mgnet`` command line (:func:`mgnet.experiments.cli.main`)."""
import sys

from mgnet.experiments.cli import main

if __name__ == "__main__":
    sys.exit(main())
