"""Datasette plugin: datasette.yml's canned queries on any eduwatch file, whatever it is called.

Datasette names a database after its file, and metadata attaches queries to a name: the queries written under
`databases: eduwatch:` in datasette.yml reached only a file named eduwatch.db (`demo.db`'s /demo/search
answered 400). Loaded with `--plugins-dir datasette_plugins`, this offers the same queries on every attached
database that holds eduwatch's tables.
"""

from __future__ import annotations

from datasette import hookimpl

METADATA_NAME = "eduwatch"  # the database name datasette.yml writes the queries under
EDUWATCH_TABLES = {"pages", "versions", "changes"}  # a file holding these is an eduwatch archive


@hookimpl
def canned_queries(datasette, database):
    """The eduwatch queries for an eduwatch archive opened under another name; nothing for other files."""
    if database == METADATA_NAME:
        return None  # datasette.yml gives them already
    queries = ((datasette.metadata() or {}).get("databases") or {}).get(METADATA_NAME, {}).get("queries") or {}

    async def for_archives():
        tables = set(await datasette.get_database(database).table_names())
        return queries if EDUWATCH_TABLES <= tables else {}

    return for_archives
