"""Running a data migration's function inside a test."""

from django.db import connection


class MigrationEditor:
    """What the data migrations use of a schema editor: a real one cannot open inside a test's transaction."""

    quote_name = staticmethod(connection.ops.quote_name)

    def execute(self, sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)
