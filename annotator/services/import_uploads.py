"""The import page's held file: kept between its preview and the import."""

import hashlib

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from annotator.models import IMPORT_FILE_MAX_BYTES, ImportUpload


def import_file_check_size(size: int) -> None:
    """Refuse a file over IMPORT_FILE_MAX_BYTES, saying how large it is."""
    if size > IMPORT_FILE_MAX_BYTES:
        raise ValidationError(
            _(
                "The file is %(size)s MB; the import page takes files up to %(limit)s MB. "
                "Split it, or use the import_annotations command."
            )
            % {
                "size": number_format(size / 1_048_576, decimal_pos=1),
                "limit": number_format(IMPORT_FILE_MAX_BYTES // 1_048_576),
            },
            code="too_large",
        )


def import_upload_hold(*, user, fmt: str, name: str, data: bytes) -> ImportUpload:
    """Keep `data` for `user` until they import it, replacing what they held before.
    Precondition: `fmt` is an import format. Refuses a file over IMPORT_FILE_MAX_BYTES."""
    import_file_check_size(len(data))
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        upload, _created = ImportUpload.objects.update_or_create(
            user=user,
            defaults={"format": fmt, "name": name[:255], "data": data, "digest": digest},
        )
    return upload


def import_upload_take(*, user, digest: str) -> ImportUpload:
    """The file `user` previewed (named by its digest), or a ValidationError saying to
    choose it again (imported already, or replaced by another preview)."""
    upload = ImportUpload.objects.filter(user=user, digest=digest).first()
    if upload is None:
        raise ValidationError(
            _(
                "That file is no longer waiting to be imported (it was imported, or you "
                "previewed another one since). Choose it again."
            ),
            code="gone",
        )
    return upload


def import_upload_discard(*, upload: ImportUpload) -> None:
    upload.delete()
