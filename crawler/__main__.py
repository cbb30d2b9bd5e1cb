"""`python -m crawler` runs the eduwatch CLI."""
from crawler.cli.main import run

if __name__ == "__main__":
    run()
