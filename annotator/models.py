import hashlib
import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Case, Count, Exists, F, Max, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# The curators group and who is in it are defined beside Article (articles never imports
# annotator, and an article's curators may revise it); this app uses them as its own.
from articles.models import CURATORS_GROUP, is_curator  # noqa: F401 - used from here too

# Limits that services enforce and templates read (context processor `limits`).
NOTE_MAX_LENGTH = 2000
COMMENT_MAX_LENGTH = 10_000
REASON_MAX_LENGTH = 2000
# Code points of text kept before and after a span, for re-anchoring and export.
CONTEXT_LENGTH = 32
# Not a status but a value of the status filter: accepted or settled (the "gold").
AGREED = "agreed"


# The same person's identical span and tag within this many seconds is one annotation
# (a double click, a key pressed twice, a retried request).
DUPLICATE_WINDOW_SECONDS = 10
IDEMPOTENCY_KEY_MAX_LENGTH = 64


class Tag(models.Model):
    key = models.SlugField(max_length=32, unique=True)
    label = models.CharField(max_length=64)
    description = models.TextField(blank=True)
    # The same in Spanish; pages show the active language's (display_label), English
    # when a Spanish one is blank.
    label_es = models.CharField(max_length=64, blank=True)
    description_es = models.TextField(blank=True)
    colour = models.CharField(max_length=7, help_text="Background colour, e.g. #fde68a.")
    shortcut = models.CharField(
        max_length=1, unique=True, help_text="Key that applies the tag in the reader."
    )
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "key"]
        constraints = [
            models.CheckConstraint(
                condition=Q(colour__regex=r"^#[0-9a-fA-F]{6}$"), name="tag_colour_is_hex"
            ),
        ]

    def __str__(self):
        return self.display_label

    @property
    def display_label(self) -> str:
        if self.label_es and (get_language() or "").startswith("es"):
            return self.label_es
        return self.label

    @property
    def display_description(self) -> str:
        if self.description_es and (get_language() or "").startswith("es"):
            return self.description_es
        return self.description


class AnnotationQuerySet(models.QuerySet):
    def live(self):
        return self.filter(deleted_at__isnull=True)

    def for_article(self, article):
        return self.live().filter(article=article)

    # Review status --------------------------------------------------------------------
    # A verdict counts while it judged the annotation's current claim (tag and span), and
    # a settlement while it settled the current claim. Every status below is asked with
    # EXISTS, never a grouped join, so it costs the same inside any other query.

    @staticmethod
    def _status_conditions() -> dict:
        current = Review.objects.filter(
            annotation=OuterRef("pk"), claim_version=OuterRef("claim_version")
        )
        settled = Q(settled_claim_version=F("claim_version"))
        disagreed = Exists(current.filter(verdict=Review.Verdict.DISAGREE))
        agreed = Exists(current.filter(verdict=Review.Verdict.AGREE))
        status = Annotation.Status
        return {
            status.SETTLED: settled,
            status.DISPUTED: ~settled & disagreed,
            status.ACCEPTED: ~settled & agreed & ~disagreed,
            status.PENDING: ~settled & ~Exists(current),
            AGREED: settled | (agreed & ~disagreed),
        }

    def with_status(self):
        """Annotate `review_status` (Annotation.Status), which `annotation.status` reads.

        The same status as filter_status() decides, read with one look at the current
        verdicts per row instead of three EXISTS: the greatest of "disputed" (a
        disagreement) and "accepted" (an agreement) is "disputed" whenever there is a
        disagreement; no current verdict leaves "pending"."""
        status = Annotation.Status
        verdicts = (
            Review.objects.filter(
                annotation=OuterRef("pk"), claim_version=OuterRef("claim_version")
            )
            .order_by()
            .values("annotation")
            .annotate(
                worst=Max(
                    Case(
                        When(verdict=Review.Verdict.DISAGREE, then=Value(status.DISPUTED.value)),
                        default=Value(status.ACCEPTED.value),
                        output_field=models.CharField(),
                    )
                )
            )
            .values("worst")
        )
        return self.annotate(
            review_status=Case(
                When(self._status_conditions()[status.SETTLED], then=Value(status.SETTLED.value)),
                default=Coalesce(Subquery(verdicts), Value(status.PENDING.value)),
                output_field=models.CharField(),
            )
        )

    def filter_status(self, status: str):
        """Only annotations whose derived status is `status` (pending, accepted, disputed,
        settled), or `agreed` (accepted or settled: the set a team can train on)."""
        return self.filter(self._status_conditions()[status])

    def with_verdict_counts(self):
        """Annotate `agree_count` and `disagree_count`: the current verdicts only."""

        def count(verdict):
            rows = (
                Review.objects.filter(
                    annotation=OuterRef("pk"),
                    claim_version=OuterRef("claim_version"),
                    verdict=verdict,
                )
                .order_by()
                .values("annotation")
                .annotate(n=Count("id"))
                .values("n")
            )
            return Coalesce(Subquery(rows), 0)

        return self.annotate(
            agree_count=count(Review.Verdict.AGREE),
            disagree_count=count(Review.Verdict.DISAGREE),
        )

    def needs_review_by(self, user):
        """Others' live, unsettled annotations on whose current claim `user` has no
        verdict, each marked `is_changed_since_my_verdict` when `user` judged an earlier
        version (the claim changed since). Not orphaned ones: their words are gone from
        the article until someone selects them again."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        mine = Review.objects.filter(annotation=OuterRef("pk"), reviewer_id=user.pk)
        return (
            self.live()
            .exclude(author_id=user.pk)
            .exclude(anchor=Annotation.Anchor.ORPHANED)
            .exclude(settled_claim_version=F("claim_version"))
            .filter(~Exists(mine.filter(claim_version=OuterRef("claim_version"))))
            .annotate(is_changed_since_my_verdict=Exists(mine))
        )

    def with_comment_count(self):
        # A subquery, not a join: a join would multiply rows of other annotations.
        live_comments = (
            Comment.objects.filter(annotation=OuterRef("pk"), deleted_at__isnull=True)
            .order_by()
            .values("annotation")
            .annotate(n=Count("id"))
            .values("n")
        )
        return self.annotate(comment_count=Coalesce(Subquery(live_comments), 0))


class Annotation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DISPUTED = "disputed", _("Disputed")
        SETTLED = "settled", _("Settled")

    class Anchor(models.TextChoices):
        # After an article revision (services.revisions): still on its words, carried
        # with the text but its words changed ("moved with the text: check"), or lost.
        EXACT = "exact", _("Exact")
        MOVED = "moved", _("Moved with the text: check")
        ORPHANED = "orphaned", _("Orphaned: select it again")

    # PROTECT: deleting an article would take its annotations, threads and verdicts.
    article = models.ForeignKey(
        "articles.Article", on_delete=models.PROTECT, related_name="annotations"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="annotations"
    )
    # Half-open [start, end) in Unicode code points of Article.text.
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField()
    prefix = models.TextField(blank=True)
    suffix = models.TextField(blank=True)
    tag = models.ForeignKey(Tag, on_delete=models.PROTECT, related_name="annotations")
    note = models.TextField(blank=True, max_length=NOTE_MAX_LENGTH)
    version = models.PositiveIntegerField(default=1)
    # Moves only when the claim changes (tag or span): verdicts and settlements judge
    # one claim version and stop counting when it moves on.
    claim_version = models.PositiveIntegerField(default=1)
    # A curator's settlement of a dispute: the final tag and why. It settles the claim
    # version it judged; 0 means not settled.
    settled_tag = models.ForeignKey(
        Tag, on_delete=models.PROTECT, null=True, blank=True, related_name="settled_in"
    )
    settled_reason = models.TextField(blank=True, max_length=REASON_MAX_LENGTH)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="settlements",
    )
    settled_at = models.DateTimeField(null=True, blank=True)
    settled_claim_version = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # The client's Idempotency-Key of the request that created it: a retry gets this one.
    # NULL rather than "": rows without a key never collide in the unique constraint.
    idempotency_key = models.CharField(  # noqa: DJ001
        max_length=IDEMPOTENCY_KEY_MAX_LENGTH, null=True, blank=True, editable=False
    )
    anchor = models.CharField(max_length=8, choices=Anchor.choices, default=Anchor.EXACT)
    # Orphaned only: the article revision whose text start/end and quote refer to (the
    # current text no longer holds them, so they are exempt from the range check).
    anchor_revision = models.PositiveIntegerField(null=True, blank=True)
    # Provenance of an imported annotation: the user name its file gave as its creator,
    # when that person is not its author here (only an admin imports in others' names).
    imported_from = models.CharField(max_length=150, blank=True, default="", editable=False)

    objects = AnnotationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["start", "end", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(start__gte=0), name="annotation_start_not_negative"),
            models.CheckConstraint(
                condition=Q(start__lt=F("end")), name="annotation_start_before_end"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="annotation_version_positive"),
            models.CheckConstraint(
                condition=Q(claim_version__gte=1), name="annotation_claim_version_positive"
            ),
            models.CheckConstraint(
                condition=(
                    Q(settled_claim_version=0, settled_tag__isnull=True, settled_at__isnull=True)
                    | Q(
                        settled_claim_version__gte=1,
                        settled_claim_version__lte=F("claim_version"),
                        settled_tag__isnull=False,
                        settled_at__isnull=False,
                    )
                ),
                name="annotation_settlement_whole",
            ),
            models.UniqueConstraint(
                fields=["author", "idempotency_key"], name="one_annotation_per_idempotency_key"
            ),
        ]
        indexes = [
            # The API list's keyset pages: an index range from (start, id) in that order.
            models.Index(fields=["article", "start", "id"], name="annotation_article_keyset"),
            models.Index(fields=["author", "created"], name="annotation_author_created"),
        ]

    def __str__(self):
        return f"{self.tag_id and self.tag.key}: {self.quote[:40]}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def needs_check(self) -> bool:
        """Moved with the text or orphaned by an article revision: in "anchors to check"."""
        return self.anchor != self.Anchor.EXACT

    @property
    def etag(self) -> str:
        """The HTTP entity tag of this version: If-Match sends it back to change it."""
        return f'"{self.pk}-{self.version}"'

    @property
    def short_quote(self) -> str:
        return self.quote if len(self.quote) <= 110 else self.quote[:109].rstrip() + "…"

    @property
    def status(self) -> str:
        """pending, accepted, disputed or settled (AnnotationQuerySet.with_status)."""
        status = getattr(self, "review_status", None)
        if status is None:
            # Not annotated: ask the one definition, for this one row.
            status = (
                type(self)
                .objects.filter(pk=self.pk)
                .with_status()
                .values_list("review_status", flat=True)
                .first()
            ) or self.Status.PENDING
            self.review_status = status
        return status

    @property
    def is_settled(self) -> bool:
        """A settlement of the current claim (an older one no longer counts)."""
        return self.settled_claim_version == self.claim_version

    @property
    def has_outdated_settlement(self) -> bool:
        return 0 < self.settled_claim_version < self.claim_version

    @property
    def final_tag(self):
        """The tag a team can rely on: the settled tag, or the tag when accepted; None
        while pending or disputed."""
        if self.is_settled:
            return self.settled_tag
        if self.status == self.Status.ACCEPTED:
            return self.tag
        return None

    def is_editable_by(self, user) -> bool:
        """Change the tag or note, or delete: the author, while it is not deleted."""
        return user.is_authenticated and user.pk == self.author_id and not self.is_deleted

    def is_restorable_by(self, user) -> bool:
        """Undo a delete or return to a revision: the author or an admin."""
        return user.is_authenticated and (user.pk == self.author_id or user.is_staff)

    def is_reanchorable_by(self, user) -> bool:
        """Select its span again: the author; a curator or an admin too while its anchor
        needs checking. Not once deleted."""
        if self.is_deleted or not user.is_authenticated:
            return False
        return user.pk == self.author_id or (
            self.needs_check and (user.is_staff or is_curator(user))
        )

    def is_deletable_by(self, user) -> bool:
        """Delete: the author; a curator or an admin too while its anchor needs checking
        (an orphan nobody can place any more)."""
        return self.is_editable_by(user) or (
            not self.is_deleted and self.needs_check and (user.is_staff or is_curator(user))
        )

    def is_moderatable_by(self, user) -> bool:
        """Change anyone's tag or note in the Django admin: an admin."""
        return user.is_authenticated and user.is_staff

    def is_reviewable_by(self, user) -> bool:
        """Give a verdict: anyone but the author, while it is not deleted."""
        return user.is_authenticated and user.pk != self.author_id and not self.is_deleted

    def is_settleable_by(self, user) -> bool:
        """Settle a dispute or reopen a settlement: a curator who is not the author,
        while it is not deleted."""
        return is_curator(user) and user.pk != self.author_id and not self.is_deleted


class Comment(models.Model):
    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    body = models.TextField(max_length=COMMENT_MAX_LENGTH)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    # Set when the author changes the body; `modified` also moves on delete.
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created", "id"]
        indexes = [
            models.Index(fields=["annotation", "created"], name="comment_annotation_created")
        ]

    def __str__(self):
        return f"Comment {self.pk} by {self.author_id} on annotation {self.annotation_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def is_editable_by(self, user) -> bool:
        """Change the body or delete: the author, while it is not deleted."""
        return user.is_authenticated and user.pk == self.author_id and not self.is_deleted

    def is_restorable_by(self, user) -> bool:
        """Bring a deleted comment back: its author or an admin."""
        return user.is_authenticated and (user.pk == self.author_id or user.is_staff)


class Mention(models.Model):
    """`@username` in a comment: shown in that person's Mentions list until read."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions"
    )
    is_read = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="one_mention_per_comment"),
        ]
        indexes = [models.Index(fields=["user", "is_read"], name="mention_user_unread")]

    def __str__(self):
        return f"@{self.user_id} in comment {self.comment_id}"


class Review(models.Model):
    class Verdict(models.TextChoices):
        AGREE = "agree", _("Agree")
        DISAGREE = "disagree", _("Disagree")

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews"
    )
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    proposed_tag = models.ForeignKey(
        Tag, on_delete=models.PROTECT, null=True, blank=True, related_name="proposed_in"
    )
    comment = models.TextField(blank=True, max_length=REASON_MAX_LENGTH)
    # The claim the verdict judged: the annotation's claim version and its tag then.
    # The verdict counts for the status only while that version is current.
    claim_version = models.PositiveIntegerField(default=1)
    judged_tag = models.ForeignKey(
        Tag, on_delete=models.PROTECT, null=True, blank=True, related_name="judged_in"
    )
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["annotation", "reviewer"], name="one_review_per_reviewer"
            ),
            models.CheckConstraint(
                condition=Q(claim_version__gte=1), name="review_claim_version_positive"
            ),
        ]
        indexes = [models.Index(fields=["reviewer"], name="review_reviewer")]

    def __str__(self):
        return f"{self.verdict} by {self.reviewer_id} on annotation {self.annotation_id}"

    @property
    def is_current(self) -> bool:
        """It judged the annotation's current claim, so it counts for the status."""
        return self.claim_version == self.annotation.claim_version


class Event(models.Model):
    """One committed change, as readers receive it: the change feed (annotator.events).

    Written in the same transaction as the change it names, so it exists if and only if
    the change does. Its id is the Server-Sent Events id a reader resumes from; within
    one article, ids are in commit order (annotator.events.record). Not content: it has
    no history, and `manage.py prune_events` deletes old ones.
    """

    id = models.BigAutoField(primary_key=True)
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Set for a person's own events (the unread badge), which go to that person only.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(max_length=40)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created = models.DateTimeField(auto_now_add=True)
    payload = models.JSONField(default=dict)

    class Meta:
        indexes = [
            models.Index(fields=["article", "id"], name="event_article_id"),
            models.Index(fields=["created"], name="event_created"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk}"


class Notification(models.Model):
    """Something a person should know about, shown in their inbox until read: a mention,
    a reply to their comment, a verdict on their annotation, a settlement of a dispute
    they took part in, annotations to check after a revision. Written by
    services.notify in the transaction of the write it is about; not shared work, so
    no history. The header's unread badge counts these."""

    class Kind(models.TextChoices):
        MENTION = "mention", _("Mentioned you")
        REPLY = "reply", _("Replied to your comment")
        VERDICT = "verdict", _("Verdict on your annotation")
        SETTLEMENT = "settlement", _("Dispute settled")
        ANCHORS = "anchors", _("Annotations to check after a revision")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    # Who did it (none for the system).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    annotation = models.ForeignKey(
        Annotation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    text = models.TextField()
    is_read = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    # When an e-mail digest told the person of it (manage.py send_notification_digest).
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["is_read", "-created", "-id"]
        indexes = [models.Index(fields=["user", "is_read"], name="notification_user_unread")]

    def __str__(self):
        return f"{self.kind} for {self.user_id}: {self.text[:40]}"


class ApiTokenQuerySet(models.QuerySet):
    def live(self):
        from django.utils import timezone

        return self.filter(Q(expires__isnull=True) | Q(expires__gt=timezone.now()))


class ApiToken(models.Model):
    """An API token. Only a hash of it is stored (a leaked table holds no usable token),
    with its first characters to tell tokens apart. It also keeps a fingerprint of its
    owner's password when it was made, so a password change, by whatever path (the
    password page, the admin, `changepassword`), revokes every token made before it.
    Not shared work, so no history: services/tokens.py writes it."""

    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    password_fingerprint = models.CharField(max_length=64, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self):
        return f"{self.prefix}… of {self.user_id}"

    @staticmethod
    def digest_of(key: str) -> str:
        # Tokens are 256 random bits: a fast hash is enough (no guessing to slow down).
        return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()

    @staticmethod
    def fingerprint_of(user) -> str:
        return salted_hmac("claimmark.api-token", user.password, algorithm="sha256").hexdigest()

    def is_valid_for(self, user) -> bool:
        """Not expired, and made under the user's current password."""
        from django.utils import timezone

        if self.expires is not None and self.expires <= timezone.now():
            return False
        return constant_time_compare(self.password_fingerprint, self.fingerprint_of(user))


IMPORT_FILE_MAX_BYTES = 10 * 1024 * 1024


class ImportUpload(models.Model):
    """A file chosen on the import page, held between its preview and the import: one
    per person (a new preview replaces it), removed by the import. A holding area, not
    shared work, so it keeps no history."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    format = models.CharField(max_length=32)
    name = models.CharField(max_length=255)
    data = models.BinaryField()
    digest = models.CharField(max_length=64)
    created = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.name} ({self.format}) for {self.user_id}"


class ImportJob(models.Model):
    """An import too large to answer within a request, run as a background task
    (formats/background.py): its file until it is done, its progress, then the result
    the request would have answered, or the sentence it failed with. Seen only by the
    person who started it (and admins). A holding area like ImportUpload: no history."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    class Source(models.TextChoices):
        API = "api"  # every record, or none (the API's all-or-nothing)
        PAGE = "page"  # the import page's plan: what passed its preview

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=8, choices=Source.choices)
    format = models.CharField(max_length=32)
    name = models.CharField(max_length=255, blank=True)
    data = models.BinaryField(blank=True)  # emptied when the task ends
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    error = models.JSONField(null=True, blank=True)  # {"detail", "code"}
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)
    # Who runs it (the worker's host, pid namespace and pid) and when it last said so: a job
    # whose worker ended mid-way is told apart from one still running
    # (services.import_job_interrupted).
    worker = models.CharField(max_length=255, blank=True)
    heartbeat = models.DateTimeField(null=True, blank=True)
    # The language of the request that started it: a sentence written later (by the
    # worker, or by whoever finds the worker gone) is in its starter's language.
    language = models.CharField(max_length=16, blank=True)

    def __str__(self):
        return f"{self.name or self.format} import by {self.user_id}: {self.status}"

    def is_visible_to(self, user) -> bool:
        return user.is_superuser or self.user_id == user.pk

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class SearchDocument(models.Model):
    """The words search finds an annotation by (its quote, note, live comments and
    verdict reasons), as a PostgreSQL tsvector in the text search configuration of its
    article's language (search_config). Derived from those rows and rewritten by
    services.search_index after each write to them; not content, so no history. On
    SQLite the table stays empty and search reads the rows themselves."""

    annotation = models.OneToOneField(
        Annotation, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    config = models.CharField(max_length=16)
    document = SearchVectorField(null=True)

    def __str__(self):
        return f"search document of annotation {self.annotation_id} ({self.config})"


def search_config(language: str) -> str:
    """The PostgreSQL text search configuration for an article's language code: Spanish
    and English stem their words; any other language is matched word for word
    ("simple"), which finds exact words but not their other forms."""
    code = (language or "").lower()
    if code.startswith("es"):
        return "spanish"
    if code.startswith("en"):
        return "english"
    return "simple"


class Preference(models.Model):
    """A person's reading preferences: the language of the pages (blank: the browser's
    Accept-Language) and the time zone times are shown in (blank: the browser's zone, or
    UTC). Kept in the session at sign-in (services/preferences.py), so a request reads
    them without a query."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference"
    )
    language = models.CharField(max_length=8, blank=True, choices=settings.LANGUAGES)
    time_zone = models.CharField(max_length=64, blank=True)

    history = HistoricalRecords()

    def __str__(self):
        return f"preferences of {self.user_id}"
