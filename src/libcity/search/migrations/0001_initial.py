"""The search index tables, one set per engine (see docs/domains/search.md).

Raw SQL: FTS5 virtual tables and tsvector/GIN indexes are not Django models. Each operation
runs only on its own engine, so one migration serves SQLite and PostgreSQL.
"""

from django.db import migrations

from libcity.search.migrations._vendor import RunSQLFor


SQLITE = [
    """
    CREATE VIRTUAL TABLE search_text USING fts5(
        title, author, subject, publisher, isbn, clc, other,
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '2 3'
    )
    """,
    """
    CREATE TABLE search_entry (
        record_id integer NOT NULL PRIMARY KEY,
        year integer NULL,
        language text NOT NULL DEFAULT '',
        clc_top text NOT NULL DEFAULT '',
        available integer NOT NULL DEFAULT 0
    )
    """,
    "CREATE INDEX search_entry_newest ON search_entry (year DESC, record_id DESC)",
    "CREATE INDEX search_entry_language ON search_entry (language)",
    "CREATE INDEX search_entry_clc_top ON search_entry (clc_top)",
    """
    CREATE TABLE search_value (
        record_id integer NOT NULL,
        facet text NOT NULL,
        value text NOT NULL,
        PRIMARY KEY (record_id, facet, value)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX search_value_facet ON search_value (facet, value)",
]
SQLITE_REVERSE = [
    "DROP TABLE IF EXISTS search_value",
    "DROP TABLE IF EXISTS search_entry",
    "DROP TABLE IF EXISTS search_text",
]

POSTGRES = [
    """
    CREATE TABLE search_document (
        record_id bigint NOT NULL PRIMARY KEY,
        title tsvector NOT NULL,
        author tsvector NOT NULL,
        subject tsvector NOT NULL,
        publisher tsvector NOT NULL,
        isbn tsvector NOT NULL,
        clc tsvector NOT NULL,
        document tsvector NOT NULL,
        year integer NULL,
        language text NOT NULL DEFAULT '',
        clc_top text NOT NULL DEFAULT '',
        available boolean NOT NULL DEFAULT false,
        item_types text[] NOT NULL DEFAULT '{}',
        units text[] NOT NULL DEFAULT '{}',
        districts text[] NOT NULL DEFAULT '{}',
        available_units text[] NOT NULL DEFAULT '{}',
        available_districts text[] NOT NULL DEFAULT '{}'
    )
    """,
    "CREATE INDEX search_document_text ON search_document USING gin (document)",
    "CREATE INDEX search_document_units ON search_document USING gin (units)",
    "CREATE INDEX search_document_districts ON search_document USING gin (districts)",
    "CREATE INDEX search_document_item_types ON search_document USING gin (item_types)",
    "CREATE INDEX search_document_available_units ON search_document USING gin (available_units)",
    "CREATE INDEX search_document_available_districts"
    " ON search_document USING gin (available_districts)",
    "CREATE INDEX search_document_newest ON search_document (year DESC NULLS LAST, record_id DESC)",
    "CREATE INDEX search_document_language ON search_document (language)",
    "CREATE INDEX search_document_clc_top ON search_document (clc_top)",
]
POSTGRES_REVERSE = ["DROP TABLE IF EXISTS search_document"]


class Migration(migrations.Migration):

    initial = True

    dependencies = []

    operations = [
        RunSQLFor("sqlite", SQLITE, SQLITE_REVERSE),
        RunSQLFor("postgresql", POSTGRES, POSTGRES_REVERSE),
    ]
