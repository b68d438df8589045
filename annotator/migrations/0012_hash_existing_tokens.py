"""Tokens made before hashing (rest_framework.authtoken kept them in plain text): store
their hashes as ApiTokens, so clients holding them keep working, and empty the old table."""

import hashlib

from django.db import migrations
from django.utils.crypto import salted_hmac


def hash_old_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("annotator", "ApiToken")
    User = apps.get_model("auth", "User")
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, user_id FROM authtoken_token")
        rows = cursor.fetchall()
    for key, user_id in rows:
        user = User.objects.get(pk=user_id)
        fingerprint = salted_hmac("claimmark.api-token", user.password, algorithm="sha256")
        ApiToken.objects.create(
            digest=hashlib.sha256(key.encode()).hexdigest(),
            prefix=key[:8],
            user_id=user_id,
            password_fingerprint=fingerprint.hexdigest(),
        )
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM authtoken_token")


class Migration(migrations.Migration):
    dependencies = [("annotator", "0011_api_token")]

    operations = [migrations.RunPython(hash_old_tokens, migrations.RunPython.noop)]
