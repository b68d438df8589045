"""The default tags' names and descriptions in Spanish (the seed article is
Latin-American news). A tag an admin renamed keeps what they wrote in English; its
Spanish is filled only when blank."""

from django.db import migrations

SPANISH = {
    "fact": (
        "Hecho",
        "Se presenta como cierto sobre el pasado o el presente y se puede contrastar con "
        "registros: fechas, cifras, sucesos, quién dijo qué. Se marca como hecho sea o no "
        "verdad al final: «Petro publicó en X» es un hecho sobre la publicación.",
    ),
    "opinion": (
        "Opinión",
        "Juicio, valoración, postura o valor («vergonzoso», «un cambio de juego», «está "
        "claro que...», debería/tiene que sobre lo que debe ser), aunque se formule con "
        "certeza.",
    ),
    "speculation": (
        "Especulación",
        "Lo que puede ser o va a ocurrir, o lo que se matiza más allá de lo que se sabe: "
        "puede, podría, quizá, probablemente, según se informa, estudia, no descartó, "
        "condicionales, previsiones. La certeza sobre el futuro sigue siendo especulación. "
        "En el discurso referido, el acto de decir es un hecho; lo dicho se marca según "
        "su propia naturaleza.",
    ),
}


def add_spanish(apps, schema_editor):
    Tag = apps.get_model("annotator", "Tag")
    for key, (label, description) in SPANISH.items():
        tag = Tag.objects.filter(key=key).first()
        if tag is None:
            continue
        tag.label_es = tag.label_es or label
        tag.description_es = tag.description_es or description
        tag.save(update_fields=["label_es", "description_es"])


class Migration(migrations.Migration):
    dependencies = [("annotator", "0019_tag_spanish")]

    operations = [migrations.RunPython(add_spanish, migrations.RunPython.noop)]
