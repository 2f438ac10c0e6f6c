"""Re-mask the stored phone masks to the form of apps.core.text.mask_phone: at least half of the digits hidden.

The old masks kept the first 3 and last 4 digits whatever the length, so a 7-digit local number was stored whole and
an 8-digit one with a single star. Mobiles (11 digits starting with 1) keep 3 + 4; any other number now keeps the
first 2 and last 2 digits (8 digits or more) or the last 2 only (fewer). Those positions were all visible in the old
masks, so the new form is derived from them without decrypting anything: one UPDATE with string functions that
SQLite and PostgreSQL share (SUBSTR, LENGTH, ||, CASE), touching only the rows not yet in the new form; seconds at
2 million rows, and safe to run again. apps/cases/migrations/0004_remask_phones does the same for case contacts.
"""

from django.db import migrations

STARS = "*" * 20  # the column holds at most 20 characters


def new_mask_sql(column: str) -> str:
    """The SQL expression of mask_phone applied to an (old) mask in `column`, as written when this ran."""
    n = f"LENGTH({column})"
    return (
        f"CASE WHEN {n} = 11 AND SUBSTR({column}, 1, 1) = '1' THEN {column} "
        f"WHEN {n} >= 8 THEN SUBSTR({column}, 1, 2) || SUBSTR('{STARS}', 1, {n} - 4) || SUBSTR({column}, {n} - 1, 2) "
        f"WHEN {n} >= 4 THEN SUBSTR('{STARS}', 1, {n} - 2) || SUBSTR({column}, {n} - 1, 2) "
        f"ELSE SUBSTR('{STARS}', 1, {n}) END"
    )


def remask(apps, schema_editor):
    Member = apps.get_model("members", "Member")
    qn = schema_editor.quote_name
    table, column = qn(Member._meta.db_table), qn("phone_masked")
    expression = new_mask_sql(column)
    schema_editor.execute(f"UPDATE {table} SET {column} = {expression} WHERE {column} <> '' AND {column} <> {expression}")


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0004_remask_id_numbers"),
    ]

    # The old masks cannot be rebuilt from the new ones (that is the point); going back leaves them as they are.
    operations = [migrations.RunPython(remask, migrations.RunPython.noop, elidable=True)]
