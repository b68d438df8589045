"""Every write to annotations, comments, mentions and verdicts, and the revisions of
articles that carry annotations across, with its rules.

Services are keyword-only functions; each runs in one transaction and records its
revision with the acting person (django-simple-history reads `_history_user`), so no
write path can skip history. They raise ValidationError or PermissionDenied with a
sentence a person understands; views, the API, the admin and the commands turn those
into responses. Callers import the package (`from annotator import services`) and call
`services.annotation_create(...)`; the modules below group the functions by entity.
"""

from annotator.services.adjudication import annotation_reopen, annotation_settle
from annotator.services.annotations import (
    EDITABLE_FIELDS,
    AlreadyTagged,
    StaleVersion,
    annotation_at_version,
    annotation_create,
    annotation_delete,
    annotation_moderate,
    annotation_restore,
    annotation_update,
    merge_edit,
)
from annotator.services.discussion import (
    comment_create,
    comment_delete,
    comment_restore,
    comment_update,
    mentions_mark_read,
)
from annotator.services.import_jobs import (
    import_job_create,
    import_job_fail,
    import_job_finish,
    import_job_interrupted,
    import_job_progress,
    import_job_refresh,
    import_job_start,
    import_job_worker,
    import_jobs_prune,
)
from annotator.services.import_uploads import (
    import_file_check_size,
    import_upload_discard,
    import_upload_hold,
    import_upload_take,
)
from annotator.services.imports import ImportItem, annotations_import
from annotator.services.notifications import (
    notification_digest_send,
    notifications_mark_read,
    notify,
)
from annotator.services.reviews import PROPOSAL_ADOPTED, review_set
from annotator.services.revisions import (
    RevisionPlan,
    StaleArticle,
    article_revise,
    article_revision_preview,
    revision_text,
)
from annotator.services.rules import check_span, clean_note, message_of
from annotator.services.search_index import search_index_rebuild, search_index_refresh
from annotator.services.tags import highlight_contrasts, tag_colour_check, tag_save

__all__ = [
    "PROPOSAL_ADOPTED",
    "EDITABLE_FIELDS",
    "AlreadyTagged",
    "ImportItem",
    "import_job_create",
    "import_job_fail",
    "import_job_finish",
    "import_job_interrupted",
    "import_job_progress",
    "import_job_refresh",
    "import_job_start",
    "import_jobs_prune",
    "import_job_worker",
    "RevisionPlan",
    "StaleArticle",
    "StaleVersion",
    "annotation_at_version",
    "annotation_create",
    "annotation_delete",
    "annotation_moderate",
    "annotation_reopen",
    "annotation_restore",
    "annotation_settle",
    "annotation_update",
    "annotations_import",
    "article_revise",
    "article_revision_preview",
    "check_span",
    "clean_note",
    "comment_create",
    "comment_delete",
    "comment_restore",
    "comment_update",
    "import_file_check_size",
    "import_upload_discard",
    "import_upload_hold",
    "import_upload_take",
    "mentions_mark_read",
    "merge_edit",
    "message_of",
    "notification_digest_send",
    "notifications_mark_read",
    "notify",
    "review_set",
    "search_index_rebuild",
    "search_index_refresh",
    "revision_text",
    "highlight_contrasts",
    "tag_colour_check",
    "tag_save",
]
