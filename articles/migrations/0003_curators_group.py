"""The group whose members may revise any article and resolve anyone's anchors to check.
get_or_create: another change may create the same group."""

from django.db import migrations


def create_curators(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name="curators")


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_article_version_revision"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_curators, migrations.RunPython.noop)]
