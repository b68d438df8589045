from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

# Limits that articles.services enforces and templates read.
TEXT_MAX_LENGTH = 500_000
TITLE_MAX_LENGTH = 300
# Members of this Django group settle disputes (annotator), revise any article and
# resolve anyone's anchors to check. annotator's migration 0007 creates it.
CURATORS_GROUP = "curators"


def is_curator(user) -> bool:
    """Whether `user` is in the curators group; asked once per user object. (Admins are
    not curators by this test; permissions that admins share say so themselves.)"""
    if not getattr(user, "is_authenticated", False):
        return False
    cached = user.__dict__.get("_is_curator")
    if cached is None:
        cached = user.__dict__["_is_curator"] = user.groups.filter(name=CURATORS_GROUP).exists()
    return cached


class ArticleManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Article(models.Model):
    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    subtitle = models.CharField(max_length=500, blank=True)
    byline = models.CharField(max_length=300, blank=True)
    source_url = models.URLField(max_length=1000, blank=True)
    published_on = models.DateField(null=True, blank=True)
    language = models.CharField(max_length=16, default="en")
    # Canonical plain text; annotation offsets are code-point indices into it.
    text = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles_created",
    )
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    # Goes up with every change (text, title or metadata): article revision N is the
    # article as it was at version N (its history row), and the ETag names it.
    version = models.PositiveIntegerField(default=1)
    # When the title or text was last revised, and why (kept per revision in history).
    revised_at = models.DateTimeField(null=True, blank=True)
    revision_reason = models.TextField(blank=True)

    objects = ArticleManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="article_version_positive"
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        # The reader belongs to the annotation app; a URL name is not an import.
        return reverse("annotator:article_detail", args=[self.slug])

    @property
    def etag(self) -> str:
        """The HTTP entity tag of this version: If-Match sends it back to revise it."""
        return f'"a{self.pk}-{self.version}"'

    def is_revisable_by(self, user) -> bool:
        """Change the title or text: the creator, a curator or an admin."""
        if not getattr(user, "is_authenticated", False):
            return False
        return user.pk == self.created_by_id or user.is_staff or is_curator(user)

    def natural_key(self):
        # Fixtures name articles by slug, so loading one twice updates it in place.
        return (self.slug,)
