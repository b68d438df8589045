"""PostgreSQL only: each annotation keeps the JSON of its span and of its two dates, as
the API list writes them, in two columns Django does not know (json_span, json_stamps).
A trigger writes them whenever a row is inserted (COPY included) or one of their
columns is updated, so no code path can leave them stale; the list then reads them
instead of escaping three texts and formatting two dates on every row of every page.
Written out here (migrations stay as they were written); annotator/api/annotations.py
reads the columns and tests/annotator/test_api_speed.py holds the result equal to
AnnotationSerializer's."""

from django.db import migrations

# DRF's date-time: ISO 8601 in UTC, microseconds only when there are any, then "Z".
STAMP = (
    "replace(to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), '.000000', '')"
)

FUNCTION = f"""
CREATE FUNCTION annotator_annotation_json() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.json_span := '"start":' || NEW."start" || ',"end":' || NEW."end"
        || ',"quote":' || to_json(NEW."quote")::text
        || ',"prefix":' || to_json(NEW."prefix")::text
        || ',"suffix":' || to_json(NEW."suffix")::text;
    NEW.json_stamps := '"created":"' || {STAMP.format('NEW."created"')}
        || 'Z","modified":"' || {STAMP.format('NEW."modified"')} || 'Z"';
    RETURN NEW;
END
$$
"""

TRIGGER = """
CREATE TRIGGER annotation_json
BEFORE INSERT OR UPDATE OF "start", "end", "quote", "prefix", "suffix", "created", "modified"
ON annotator_annotation FOR EACH ROW EXECUTE FUNCTION annotator_annotation_json()
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE annotator_annotation ADD COLUMN json_span text NOT NULL DEFAULT '', "
        "ADD COLUMN json_stamps text NOT NULL DEFAULT ''"
    )
    schema_editor.execute(FUNCTION)
    schema_editor.execute(TRIGGER)
    schema_editor.execute('UPDATE annotator_annotation SET "start" = "start"')


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TRIGGER annotation_json ON annotator_annotation")
    schema_editor.execute("DROP FUNCTION annotator_annotation_json()")
    schema_editor.execute(
        "ALTER TABLE annotator_annotation DROP COLUMN json_span, DROP COLUMN json_stamps"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("annotator", "0023_import_job_language"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
