"""Every read the pages and the API share, a module per area: `reader` (the article list
and the reader), `discussion` (threads, the review queue, mentions, people), `history`
(timelines and diffs) and `filters` (the one definition of annotation filters)."""
