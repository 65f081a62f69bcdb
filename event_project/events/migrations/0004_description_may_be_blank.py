from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("events", "0003_description_limit")]

    operations = [
        migrations.AlterField(model_name="event", name="description", field=models.TextField(blank=True, max_length=10000)),
    ]
