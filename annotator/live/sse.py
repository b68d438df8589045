"""Server-Sent Events framing (https://html.spec.whatwg.org/multipage/server-sent-events.html).

A frame is `field: value` lines and a blank line. JSON never holds a raw newline, so
each payload is one `data:` line.
"""

import json

from django.core.serializers.json import DjangoJSONEncoder

# How long a browser waits before reconnecting after the stream drops.
RETRY_MS = 2000


def frame(data, *, event: str | None = None, id: int | None = None) -> bytes:
    lines = []
    if id is not None:
        lines.append(f"id: {id}")
    if event:
        lines.append(f"event: {event}")
    text = data if isinstance(data, str) else json.dumps(data, cls=DjangoJSONEncoder)
    lines.append(f"data: {text}")
    return ("\n".join(lines) + "\n\n").encode()


def retry(milliseconds: int = RETRY_MS) -> bytes:
    return f"retry: {milliseconds}\n\n".encode()


def comment(text: str = "") -> bytes:
    """A line the browser ignores: the heartbeat that keeps proxies from closing."""
    return f": {text}\n\n".encode()
