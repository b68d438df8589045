from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

# Limits that articles.services enforces and templates read.
TEXT_MAX_LENGTH = 500_000


class ArticleManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Article(models.Model):
    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=300)
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

    objects = ArticleManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        # The reader belongs to the annotation app; a URL name is not an import.
        return reverse("annotator:article_detail", args=[self.slug])

    def natural_key(self):
        # Fixtures name articles by slug, so loading one twice updates it in place.
        return (self.slug,)
