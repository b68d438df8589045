"""Forms for the reader's writes. They check types only; the rules and their sentences
(lengths, tags, offsets) belong to annotator.services."""

from django import forms


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
