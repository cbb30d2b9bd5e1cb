"""`python -m crawler` runs the eduwatch CLI."""
import sys

from crawler.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
