from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("events", "0002_indexes_end_in_list_order")]

    operations = [
        migrations.AlterField(model_name="event", name="description", field=models.TextField(max_length=10000)),
    ]
