"""Forms for the reader's writes. They check types only; the rules and their sentences
(lengths, tags, offsets) belong to annotator.services."""

from django import forms
from django.utils.translation import gettext as _


class AnnotationCreateForm(forms.Form):
    start = forms.IntegerField(min_value=0, error_messages={"required": "Select some text first."})
    end = forms.IntegerField(min_value=1, error_messages={"required": "Select some text first."})
    quote = forms.CharField(required=False, strip=False)
    tag = forms.CharField(
        error_messages={"required": "Choose a tag: fact, opinion or speculation."}
    )
    note = forms.CharField(required=False)
    # The page's script sends it as the Idempotency-Key header; a form field works too.
    idempotency_key = forms.CharField(required=False, strip=False)


class AnnotationUpdateForm(forms.Form):
    tag = forms.CharField(error_messages={"required": "Choose a tag."})
    note = forms.CharField(required=False)
    version = forms.IntegerField(min_value=1)


class AnnotationAdjustForm(forms.Form):
    """The reader's Adjust mode: the span's new ends and the words between them."""

    start = forms.IntegerField(min_value=0)
    end = forms.IntegerField(min_value=1)
    quote = forms.CharField(strip=False)
    version = forms.IntegerField(required=False, min_value=1)


class AnnotationDeleteForm(forms.Form):
    version = forms.IntegerField(min_value=1)


class AnnotationRestoreForm(forms.Form):
    revision = forms.IntegerField(required=False, min_value=1)
    version = forms.IntegerField(required=False, min_value=1)


def first_error(form: forms.Form) -> str:
    for field, errors in form.errors.items():
        label = "" if field == "__all__" else f"{field}: "
        return f"{label}{errors[0]}"
    return "The form is not valid."


class ArticleRevisionForm(forms.Form):
    """The edit page: a new title and text, why, and the version they were based on.
    `previewed` is a fingerprint of what the person last saw previewed: only that can be
    saved, so nobody saves a text whose effect on annotations they have not seen."""

    title = forms.CharField(max_length=300)
    text = forms.CharField(strip=False, widget=forms.Textarea(attrs={"rows": 22}))
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why it changed (a correction, an update, a typo). Kept with the revision "
        "in the history.",
    )
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    previewed = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_text(self):
        # Browsers send a textarea's line breaks as CRLF; the article's text uses LF.
        return self.cleaned_data["text"].replace("\r\n", "\n").replace("\r", "\n")


class AnchorForm(forms.Form):
    """Select an annotation's span again: by offsets (a suggestion or a selection in the
    text) or by typing its words."""

    start = forms.IntegerField(required=False, min_value=0)
    end = forms.IntegerField(required=False, min_value=1)
    quote = forms.CharField(required=False, strip=False)
    words = forms.CharField(required=False, strip=False, max_length=10_000)
    version = forms.IntegerField(min_value=1)

    def clean(self):
        cleaned = super().clean()
        has_span = cleaned.get("start") is not None and cleaned.get("end") is not None
        if not has_span and not (cleaned.get("words") or "").strip():
            raise forms.ValidationError(
                _("Choose a suggestion, select the words in the text, or type them.")
            )
        return cleaned


IMPORT_FORMAT_CHOICES = [
    ("", "Recognise it from the file"),
    ("w3c", "W3C Web Annotation (JSON-LD)"),
    ("doccano", "doccano (JSONL)"),
    ("labelstudio", "Label Studio tasks (JSON)"),
    ("jsonl", "Claimmark JSON Lines"),
]


class ImportFileForm(forms.Form):
    """The import page: a file and, when it cannot be recognised, its format."""

    file = forms.FileField(
        label="File",
        help_text="A W3C Web Annotation file, doccano JSONL, Label Studio JSON or "
        "Claimmark JSON Lines. Nothing is written until you confirm the preview.",
    )
    format = forms.ChoiceField(choices=IMPORT_FORMAT_CHOICES, required=False)
