"""Run by `manage.py shell -c` on an app host: how many notes each title
starting with $NOTE_PREFIX has, as JSON."""

import json
import os

from django.apps import apps
from django.db.models import Count

notes = apps.get_model("notes", "Note").objects.filter(
    title__startswith=os.environ["NOTE_PREFIX"]
)
print(json.dumps(dict(notes.values_list("title").annotate(n=Count("id")))))
