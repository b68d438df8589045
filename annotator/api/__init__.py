"""The REST API under /api/ (Django REST framework), a module per resource: articles,
annotations, discussion (comments and verdicts), transfer (export and import) and auth
(tokens); `errors` says what went wrong, `http` holds the shared plumbing."""
