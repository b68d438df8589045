"""The curators group: its members settle disputes. Admins add people to it in the
admin (Users -> Groups)."""

from django.db import migrations

CURATORS_GROUP = "curators"


def create_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name=CURATORS_GROUP)


class Migration(migrations.Migration):
    dependencies = [
        ("annotator", "0006_backfill_claim_versions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
