"""``RunSQLFor``: raw SQL that runs only on one database engine (the search tables differ by
engine, one migration serves both). A module the migration loader skips (leading ``_``)."""

from django.db import migrations


class RunSQLFor(migrations.RunSQL):
    """RunSQL that runs only when the database engine is ``vendor``."""

    def __init__(self, vendor, sql, reverse_sql):
        self.vendor = vendor
        super().__init__(sql, reverse_sql)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"Raw SQL for {self.vendor}"
