"""Each filter's index ends in the list's order, (start_time, _id), and the creator's own index goes (the
new creator index starts with it). New indexes are built before old ones are dropped, so no filter is
ever left without one."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

OLD_TO_NEW = [
    ("event_status_start", ["status", "start_time", "id"]),
    ("event_creator_start", ["created_by", "start_time", "id"]),
    ("event_tags_start", ["tags", "start_time", "id"]),
    ("event_title_prefix_start", ["title_prefixes", "start_time", "id"]),
]


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        *(migrations.AddIndex("event", models.Index(fields=fields, name=f"{old}_id")) for old, fields in OLD_TO_NEW),
        *(migrations.RemoveIndex("event", old) for old, _ in OLD_TO_NEW),
        migrations.AlterField(
            "event",
            "created_by",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="events",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
