"""Each user's inbox with kept counts, from the read state before it (generated, then the copy put between
creating the new models and deleting the old ones)."""

import django_mongodb_backend.fields
from django.db import migrations, models


def _copy_read_state(apps, schema_editor):
    """Counts as the history gives them: every user's personal notifications, the broadcasts in all, and what
    they had read (up to their read-through point, and one by one above it)."""
    database = schema_editor.connection.database
    notifications = database["notifications_notification"]
    Inbox, InboxItem = apps.get_model("notifications", "Inbox"), apps.get_model("notifications", "InboxItem")
    ReadState, ReadReceipt = apps.get_model("notifications", "ReadState"), apps.get_model("notifications", "ReadReceipt")
    broadcasts = notifications.count_documents({"broadcast": True})
    database["notifications_sequence"].update_one({"name": "notifications"}, {"$set": {"broadcasts": broadcasts}})
    personal = {
        row["_id"]: row["count"]
        for row in notifications.aggregate([{"$match": {"broadcast": False}}, {"$unwind": "$recipients"}, {"$group": {"_id": "$recipients", "count": {"$sum": 1}}}])
    }
    through = dict(ReadState.objects.values_list("user_id", "read_through_seq"))
    for user_id in sorted({*personal, *through}):
        seq = through.get(user_id, 0)
        read = ReadReceipt.objects.filter(user_id=user_id, seq__gt=seq).values_list("seq", flat=True)
        read_base = notifications.count_documents({"seq": {"$lte": seq}, "$or": [{"broadcast": True}, {"recipients": user_id}]})
        Inbox.objects.create(
            user_id=user_id, personal=personal.get(user_id, 0), read_through_seq=seq, read_base=read_base, read_above=len(read)
        )
        InboxItem.objects.bulk_create([InboxItem(user_id=user_id, seq=number, read=True) for number in read])


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0003_seq_and_read_state_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='Inbox',
            fields=[
                ('id', django_mongodb_backend.fields.ObjectIdAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('user_id', models.CharField(max_length=24, unique=True)),
                ('personal', models.BigIntegerField(default=0)),
                ('muted', models.BigIntegerField(default=0)),
                ('read_through_seq', models.BigIntegerField(default=0)),
                ('read_base', models.BigIntegerField(default=0)),
                ('read_above', models.BigIntegerField(default=0)),
                ('archived_unread', models.BigIntegerField(default=0)),
                ('seen_through_seq', models.BigIntegerField(default=0)),
                ('seen_base', models.BigIntegerField(default=0)),
                ('archived_unseen', models.BigIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name='InboxItem',
            fields=[
                ('id', django_mongodb_backend.fields.ObjectIdAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('user_id', models.CharField(max_length=24)),
                ('seq', models.BigIntegerField()),
                ('read', models.BooleanField(default=False)),
                ('archived', models.BooleanField(default=False)),
            ],
        ),
        migrations.AddIndex(
            model_name='inbox',
            index=models.Index(fields=['user_id'], name='inbox_user_id'),
        ),
        migrations.AddIndex(
            model_name='inboxitem',
            index=models.Index(fields=['user_id', 'seq'], name='inbox_item_user_seq'),
        ),
        migrations.AddIndex(
            model_name='inboxitem',
            index=models.Index(fields=['user_id', 'archived', 'seq'], name='inbox_item_archived'),
        ),
        migrations.AddConstraint(
            model_name='inboxitem',
            constraint=models.UniqueConstraint(fields=('user_id', 'seq'), name='inbox_item_unique'),
        ),
        migrations.RunPython(_copy_read_state, migrations.RunPython.noop),
        migrations.DeleteModel(
            name='ReadReceipt',
        ),
        migrations.DeleteModel(
            name='ReadState',
        ),
    ]
