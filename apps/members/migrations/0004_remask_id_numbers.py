"""Re-mask the stored 身份证号 masks to the form of apps.core.idcard.mask_id_number (first 3 characters kept).

The old masks (first 6 + 8 stars + last 4) still hold the first 3 characters, so the new form is derived from them
without decrypting anything: one UPDATE with string functions that SQLite and PostgreSQL share (SUBSTR, LENGTH,
||), touching only the rows not yet in the new form; seconds at 2 million rows, and safe to run again.
"""

from django.db import migrations

KEEP = 3  # apps.core.idcard.ID_MASK_KEEP when this migration was written
STARS = "*" * 18


def remask(apps, schema_editor):
    Member = apps.get_model("members", "Member")
    qn = schema_editor.quote_name
    table, column = qn(Member._meta.db_table), qn("id_masked")
    # Masks of fewer than 10 characters were all stars already (mask_id_number); they stay as they are.
    schema_editor.execute(
        f"UPDATE {table} SET {column} = SUBSTR({column}, 1, {KEEP}) || SUBSTR('{STARS}', 1, LENGTH({column}) - {KEEP}) "
        f"WHERE LENGTH({column}) >= 10 AND SUBSTR({column}, {KEEP + 1}) <> SUBSTR('{STARS}', 1, LENGTH({column}) - {KEEP})"
    )


class Migration(migrations.Migration):

    dependencies = [
        ("members", "0003_org_member_count"),
    ]

    # The old masks cannot be rebuilt from the new ones (that is the point); going back leaves them as they are.
    operations = [migrations.RunPython(remask, migrations.RunPython.noop, elidable=True)]
