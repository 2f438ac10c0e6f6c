"""Re-mask the stored contact-phone masks of cases to the form of apps.core.text.mask_phone (at least half of the
digits hidden; mobiles keep 3 + 4): landlines of 10 to 12 digits kept 3 + 4 visible before. Derived from the old
masks without decrypting, as apps/members/migrations/0005_remask_phones (see there); safe to run again."""

from django.db import migrations

STARS = "*" * 20  # the column holds at most 20 characters


def remask(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    qn = schema_editor.quote_name
    table, column = qn(Case._meta.db_table), qn("phone_masked")
    n = f"LENGTH({column})"
    expression = (
        f"CASE WHEN {n} = 11 AND SUBSTR({column}, 1, 1) = '1' THEN {column} "
        f"WHEN {n} >= 8 THEN SUBSTR({column}, 1, 2) || SUBSTR('{STARS}', 1, {n} - 4) || SUBSTR({column}, {n} - 1, 2) "
        f"WHEN {n} >= 4 THEN SUBSTR('{STARS}', 1, {n} - 2) || SUBSTR({column}, {n} - 1, 2) "
        f"ELSE SUBSTR('{STARS}', 1, {n}) END"
    )
    schema_editor.execute(f"UPDATE {table} SET {column} = {expression} WHERE {column} <> '' AND {column} <> {expression}")


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0003_rating_round_ever_late_withdrawn"),
    ]

    operations = [migrations.RunPython(remask, migrations.RunPython.noop, elidable=True)]
