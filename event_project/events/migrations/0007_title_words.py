"""Titles are searched by their whole words (`title_words`) instead of every prefix of each word
(`title_prefixes`): the new field, filled for every stored event by the model's own tokenizer in batches,
its index built after the fill (cheaper than keeping it up during it), then the old index and field go
(issue 22, decision 87). Reversible: going back fills `title_prefixes` again from the titles.

An event the old code writes while this runs gets no `title_words` (search finds it once it is saved
again): run it with the writers stopped, as `make run` does (it migrates before it starts them).
"""

import django_mongodb_backend.fields
from django.conf import settings
from django.db import migrations, models
from pymongo import UpdateOne

from events.search import title_words

BATCH = 1000


def fill_title_words(apps, schema_editor):
    _fill(apps, schema_editor, "title_words", title_words)


def fill_title_prefixes(apps, schema_editor):
    _fill(apps, schema_editor, "title_prefixes", _title_prefixes)


def _fill(apps, schema_editor, field: str, of_title) -> None:
    """Set `field` from each event's title, BATCH events a round trip, walking `_id` ranges (no cursor held
    open across the writes)."""
    collection = schema_editor.connection.database[apps.get_model("events", "Event")._meta.db_table]
    after = None
    while batch := list(
        collection.find({} if after is None else {"_id": {"$gt": after}}, {"title": 1}).sort("_id", 1).limit(BATCH)
    ):
        collection.bulk_write(
            [UpdateOne({"_id": doc["_id"]}, {"$set": {field: of_title(doc.get("title", ""))}}) for doc in batch],
            ordered=False,
        )
        after = batch[-1]["_id"]


def _title_prefixes(title: str) -> list[str]:
    """The old field's content, as events.search computed it before this migration: every prefix (1..30
    characters) of each distinct lower-cased word."""
    prefixes: dict[str, None] = {}
    for word in title_words(title):
        for end in range(1, min(len(word), 30) + 1):
            prefixes.setdefault(word[:end], None)
    return list(prefixes)


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0006_event_revision"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="title_words",
            field=django_mongodb_backend.fields.ArrayField(
                base_field=models.CharField(max_length=100), default=list, editable=False
            ),
        ),
        migrations.RunPython(fill_title_words, fill_title_prefixes),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(fields=["title_words", "start_time", "id"], name="event_title_words_start_id"),
        ),
        migrations.RemoveIndex(
            model_name="event",
            name="event_title_prefix_start_id",
        ),
        migrations.RemoveField(
            model_name="event",
            name="title_prefixes",
        ),
    ]
