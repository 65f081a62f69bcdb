from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0005_attendance_counters"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="revision",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
    ]
