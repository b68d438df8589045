"""Date formats per language (settings.FORMAT_MODULE_PATH), chosen so the page script
writes the same text with Intl.DateTimeFormat (static/js/tz.js, formatWhen): the day with
the month's full name, then the time on a 24-hour clock. The zone is named after them
(annotator.templatetags.when)."""
