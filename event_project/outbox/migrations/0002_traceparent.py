from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("outbox", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxmessage",
            name="traceparent",
            field=models.CharField(blank=True, default="", max_length=55),
        ),
    ]
