from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0004_tasks_workers")]

    operations = [migrations.AddField(model_name="job", name="attempt", field=models.PositiveIntegerField(default=1))]
