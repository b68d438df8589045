from django.db import migrations

DEFAULT_TAGS = [
    {
        "key": "fact",
        "label": "Fact",
        "shortcut": "f",
        "colour": "#bfdbfe",
        "order": 1,
        "description": (
            "Presented as true about the past or present and checkable against records: "
            "dates, numbers, events, who said what. Tag it fact whether or not it turns out "
            "true: \"Petro posted on X\" is a fact about the posting."
        ),
    },
    {
        "key": "opinion",
        "label": "Opinion",
        "shortcut": "o",
        "colour": "#fde68a",
        "order": 2,
        "description": (
            "Judgement, evaluation, stance or value (\"shameful\", \"a game changer\", "
            "\"it is clear that ...\", should/must about what ought to be), even when "
            "phrased as certainty."
        ),
    },
    {
        "key": "speculation",
        "label": "Speculation",
        "shortcut": "s",
        "colour": "#fbcfe8",
        "order": 3,
        "description": (
            "What may be or will happen, or hedged beyond what is known: may, might, could, "
            "will, likely, probably, reportedly, is considering, did not rule out, "
            "conditionals, forecasts. Certainty about the future is still speculation. "
            "In reported speech the act of saying is a fact; what was said is tagged by its "
            "own nature."
        ),
    },
]


def create_default_tags(apps, schema_editor):
    Tag = apps.get_model("annotator", "Tag")
    for fields in DEFAULT_TAGS:
        Tag.objects.update_or_create(key=fields["key"], defaults=fields)


class Migration(migrations.Migration):
    dependencies = [("annotator", "0001_initial")]

    operations = [migrations.RunPython(create_default_tags, migrations.RunPython.noop)]
