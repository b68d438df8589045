from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from articles.models import Article
from articles.services import split_title_and_text

UPLOAD_MAX_BYTES = 1024 * 1024
UPLOAD_SUFFIXES = (".txt", ".md", ".markdown")


class ArticleForm(forms.ModelForm):
    text = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Paste the article as plain text. Blank lines separate paragraphs.",
    )
    file = forms.FileField(
        required=False,
        label="Or upload a file",
        help_text="A .txt or .md file in UTF-8, at most 1 MB. Without a title, its first "
        "line becomes the title.",
    )

    class Meta:
        model = Article
        fields = ["title", "subtitle", "byline", "source_url", "published_on", "language"]
        widgets = {"published_on": forms.DateInput(attrs={"type": "date"})}
        help_texts = {"language": "A language code such as en, es or pt-BR."}
        labels = {"source_url": "Source URL"}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["language"].required = False
        # Text or a file is needed; the form marks Text as the required one.
        self.fields["text"].marked_required = True
        self.fields["text"].widget.attrs["aria-required"] = "true"

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        if not upload.name.lower().endswith(UPLOAD_SUFFIXES):
            raise ValidationError(_("Upload a .txt or .md file."))
        if upload.size > UPLOAD_MAX_BYTES:
            raise ValidationError(_("The file is larger than 1 MB; split the article up."))
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValidationError(
                _("The file is not UTF-8 text. Save it as UTF-8 and upload it again.")
            ) from None

    def clean(self):
        cleaned = super().clean()
        raw = cleaned.get("file") or cleaned.get("text") or ""
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
        title = (cleaned.get("title") or "").strip()
        if not raw.strip():
            raise ValidationError({"text": "Paste the article's text or upload a file."})
        if cleaned.get("file") and cleaned.get("text", "").strip():
            raise ValidationError({"file": "Either paste the text or upload a file, not both."})
        if title:
            cleaned["body"] = raw.strip("\n")
        else:
            cleaned["title"], cleaned["body"] = split_title_and_text(raw)
        if not cleaned["body"].strip():
            raise ValidationError({"text": "There is a title but no text after it."})
        return cleaned
