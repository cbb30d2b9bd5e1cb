"""`python -m crawler` runs the eduwatch CLI."""
import sys

from crawler.cli import main

sys.exit(main())
