"""Storage for searches that read a window of matches (see docs/domains/search.md).

SQLite: ``search_entry.facet_values`` holds a record's district, unit and item-type values
packed in one string, so the window's facets come with its rows (no lookup per record); the
FTS5 table gains a ``year`` column holding one token per record (U+E000, ``y``, the year),
which no analysed text can hold, so newest-first can walk the whole match year by year. The
FTS5 table is rebuilt from its own content (a minute or so a million records).

PostgreSQL: ``document`` is kept in the row, compressed with lz4 when the server has it:
reading it for ``ts_rank`` or to test a row against the query no longer goes through TOAST.
The ``title``, ``author`` and ``subject`` vectors go: a term of those fields is asked in
``document`` by its weight (A, B, C). Rows written before keep their old storage until
rewritten (``libcity reindex``).
"""

from django.db import migrations

from libcity.search.migrations._vendor import RunSQLFor

YEAR_TOKEN = "char(57344) || 'y' || coalesce(replace(CAST(e.year AS TEXT), '-', 'm'), '')"

SQLITE = [
    "ALTER TABLE search_entry ADD COLUMN facet_values text NOT NULL DEFAULT ''",
    "UPDATE search_entry SET facet_values = "
    + " || char(30) || ".join(
        f"coalesce((SELECT group_concat(v.value, char(31)) FROM search_value v "
        f"WHERE v.record_id = search_entry.record_id AND v.facet = '{facet}'), '')"
        for facet in ("district", "unit", "item_type")
    ),
    """
    CREATE VIRTUAL TABLE search_text_new USING fts5(
        title, author, subject, publisher, isbn, clc, other, year,
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '2 3'
    )
    """,
    f"""
    INSERT INTO search_text_new (rowid, title, author, subject, publisher, isbn, clc, other, year)
    SELECT t.rowid, t.title, t.author, t.subject, t.publisher, t.isbn, t.clc, t.other,
           {YEAR_TOKEN}
    FROM search_text t JOIN search_entry e ON e.record_id = t.rowid
    """,
    "DROP TABLE search_text",
    "ALTER TABLE search_text_new RENAME TO search_text",
    "INSERT INTO search_text (search_text) VALUES ('optimize')",
]
SQLITE_REVERSE = [
    """
    CREATE VIRTUAL TABLE search_text_old USING fts5(
        title, author, subject, publisher, isbn, clc, other,
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '2 3'
    )
    """,
    """
    INSERT INTO search_text_old (rowid, title, author, subject, publisher, isbn, clc, other)
    SELECT rowid, title, author, subject, publisher, isbn, clc, other FROM search_text
    """,
    "DROP TABLE search_text",
    "ALTER TABLE search_text_old RENAME TO search_text",
    "ALTER TABLE search_entry DROP COLUMN facet_values",
]

_LZ4 = """
    DO $$ BEGIN
      IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression'
                 AND 'lz4' = ANY(enumvals)) THEN
        ALTER TABLE search_document
          ALTER COLUMN document SET COMPRESSION {lz4},
          ALTER COLUMN publisher SET COMPRESSION {lz4}, ALTER COLUMN isbn SET COMPRESSION {lz4},
          ALTER COLUMN clc SET COMPRESSION {lz4};
      END IF;
    END $$
"""
POSTGRES = [
    "ALTER TABLE search_document DROP COLUMN title, DROP COLUMN author, DROP COLUMN subject",
    "ALTER TABLE search_document ALTER COLUMN document SET STORAGE MAIN",
    _LZ4.format(lz4="lz4"),
]
POSTGRES_REVERSE = [
    _LZ4.format(lz4="DEFAULT"),
    "ALTER TABLE search_document ALTER COLUMN document SET STORAGE EXTENDED",
    # The field vectors come back empty: ``libcity reindex`` fills them.
    "ALTER TABLE search_document ADD COLUMN title tsvector NOT NULL DEFAULT '', "
    "ADD COLUMN author tsvector NOT NULL DEFAULT '', "
    "ADD COLUMN subject tsvector NOT NULL DEFAULT ''",
]


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        RunSQLFor("sqlite", SQLITE, SQLITE_REVERSE),
        RunSQLFor("postgresql", POSTGRES, POSTGRES_REVERSE),
    ]
