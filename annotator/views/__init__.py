"""The pages, a module per screen. Views fetch through annotator.selectors, write
through annotator.services and share only the helpers in `_htmx`; no view module
imports another."""
