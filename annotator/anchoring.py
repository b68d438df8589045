"""Carry annotation anchors from one revision of a text to the next.

Pure functions over strings, no Django: the revising service (services/revisions.py)
feeds it the old text, the new text and the annotations, and stores what it returns.

How an anchor is carried (DESIGN.md, "Re-anchoring after an article revision"):

1. The old and the new text are diffed once (diff-match-patch: common prefix and suffix
   trimmed, Myers' diff with a deadline, semantic clean-up). Runs of text the diff keeps
   equal, plus runs it deleted in one place and inserted in another (a moved paragraph,
   found by a second diff of what was deleted against what was inserted), are
   *identical segments*. An anchor that lies inside one identical segment moves by the
   segment's offset: its quote is untouched and `new[start:end] == quote` holds. EXACT.
2. An anchor the edit cut into is mapped through the diff (its image), then re-found
   near that image: rapidfuzz aligns the quote within a window around it, and the
   boundaries are moved to the word edges that fit the quote best. Each candidate is
   scored like Hypothesis' client does, (50 quote + 20 prefix + 20 suffix + 2 closeness)
   / 92 with each term a similarity in [0, 1], and accepted only when the quote's own
   similarity is at least QUOTE_MIN and the score at least SCORE_MIN. MOVED, with the
   new quote; identical text found inside the image counts as EXACT.
3. Otherwise the anchor is ORPHANED: it keeps its old offsets and quote.

Offsets are code points (Python string indices), half-open [start, end).
"""

import bisect
import re
from dataclasses import dataclass
from functools import cached_property

from diff_match_patch import diff_match_patch
from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

EXACT, MOVED, ORPHANED = "exact", "moved", "orphaned"

# A cut anchor is re-found only when its new quote is at least this similar to the old
# one (Indel similarity: 1 - (characters inserted + deleted) / (both lengths), so a word
# inserted costs its length once) and its weighted score, with the context around it, at
# least SCORE_MIN. Calibrated on the edit corpus (tests/annotator/test_revision_corpus.py):
# a typo fixed, a word inserted or reworded in a sentence passes (0.82-0.98); a short
# quote with half its characters changed ("2019" -> "2021": 0.75) does not. The search is
# local (around the diff's image of the quote), so the context need not be intact: at
# the lowest quote similarity, about one side of it must be (a quote whose next
# paragraph was deleted still moves with the text).
QUOTE_MIN = 0.80
SCORE_MIN = 0.60
WEIGHTS = (50, 20, 20, 2)  # quote, prefix, suffix, closeness (Hypothesis' weights)
# Code points around a cut anchor's image searched for its quote (at least; half the
# quote's length when that is more).
SEARCH_MARGIN = 32
# Identical text at least this long, deleted in one place and inserted in another, counts
# as moved text: anchors inside it move with it exactly.
MIN_MOVE = 32
# A change at a quote's edge up to this long (or half the quote) is taken as the new
# words of the quote's edge ("62%" -> "a majority"); a longer one is searched.
SMALL_CHANGE = 24
# Seconds a diff may take before diff-match-patch settles for a coarser (still correct)
# one: every equal run it reports is still equal, fewer of them are found, and the
# scored search places the rest. Realistic edits of a 50,000-character article diff in
# under 70 ms; on one word in seven changed, 0.25 s gave the same outcomes as 1 s
# (bench/README.md) in 0.83 s instead of 1.44 s.
DIFF_TIMEOUT = 0.3
MOVE_TIMEOUT = 0.3

_TOKENS = re.compile(r"\w+|[^\w\s]", re.UNICODE)
_SEPARATORS = ("\x00", "\x01")  # cannot occur in stored text (PostgreSQL refuses NUL)


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where an annotation points in the old text, and the words it points at."""

    start: int
    end: int
    quote: str
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True, slots=True)
class Placement:
    """Where an anchor lands in the new text. For ORPHANED, the old offsets and quote."""

    start: int
    end: int
    quote: str
    anchor: str  # EXACT, MOVED or ORPHANED
    score: float = 1.0  # the weighted score of a re-found anchor; 1.0 for EXACT
    similarity: float = 1.0  # of its new quote to the old one


@dataclass(frozen=True, slots=True)
class Segment:
    """`length` code points at `old` in the old text are identical at `new` in the new."""

    old: int
    new: int
    length: int
    moved: bool = False


def _cuts_word(old: str, new: str, i1: int, i2: int, j1: int, j2: int, *, left: bool) -> bool:
    """Whether the change old[i1:i2] -> new[j1:j2] starts (left) or ends inside a word:
    a letter or digit of the change touches one just outside it."""
    if left:
        outside = old[i1 - 1] if i1 > 0 else ""
        inside = (old[i1] if i2 > i1 else "") + (new[j1] if j2 > j1 else "")
    else:
        outside = old[i2] if i2 < len(old) else ""
        inside = (old[i2 - 1] if i2 > i1 else "") + (new[j2 - 1] if j2 > j1 else "")
    return outside.isalnum() and any(c.isalnum() for c in inside)


def _dmp(timeout: float) -> diff_match_patch:
    dmp = diff_match_patch()
    dmp.Diff_Timeout = timeout
    return dmp


def diff(old: str, new: str, *, timeout: float = DIFF_TIMEOUT) -> list[tuple[int, str]]:
    """The diff of two texts as (operation, text) pairs: -1 delete, 0 equal, 1 insert,
    cleaned up so that it reads as people edit (whole words, no one-letter equalities)."""
    dmp = _dmp(timeout)
    pieces = dmp.diff_main(old, new, len(old) + len(new) > 2000)
    dmp.diff_cleanupSemantic(pieces)
    return pieces


def word_diff(old: str, new: str, *, timeout: float = DIFF_TIMEOUT) -> list[tuple[str, str]]:
    """The diff people read: ("equal" | "delete" | "insert", text) pairs, a changed word
    shown whole ("Betssy" -> "Betsy", not "Bets" + "s" + "y")."""
    pieces = []
    for op, i1, i2, j1, j2 in blocks_of(old, new, diff(old, new, timeout=timeout)):
        if op == 0:
            pieces.append(("equal", old[i1:i2]))
            continue
        if i2 > i1:
            pieces.append(("delete", old[i1:i2]))
        if j2 > j1:
            pieces.append(("insert", new[j1:j2]))
    return pieces


def similarity(a: str, b: str) -> float:
    """1.0 for equal texts, 0.0 for texts with nothing in common (Indel, normalised)."""
    if not a and not b:
        return 1.0
    return Indel.normalized_similarity(a, b)


def blocks_of(old: str, new: str, pieces) -> list[tuple[int, int, int, int, int]]:
    """(op, i1, i2, j1, j2) like difflib's opcodes: op 0 equal, -1 changed (a delete,
    an insert or both: old[i1:i2] became new[j1:j2]). A change that cuts into a word
    takes the whole word, so "2019" -> "2021" is one changed word, not "20" kept."""
    regions, i, j = [], 0, 0
    for op, text in pieces:
        n = len(text)
        if op == 0:
            i, j = i + n, j + n
            continue
        if regions and regions[-1][1] == i and regions[-1][3] == j:
            region = regions[-1]
        else:
            region = [i, i, j, j]
            regions.append(region)
        if op == -1:
            i += n
            region[1] = i
        else:
            j += n
            region[3] = j
    blocks, i, j = [], 0, 0
    for i1, i2, j1, j2 in _whole_words(old, new, regions):
        if i1 > i:
            blocks.append((0, i, i1, j, j1))
        blocks.append((-1, i1, i2, j1, j2))
        i, j = i2, j2
    if i < len(old) or j < len(new):
        blocks.append((0, i, len(old), j, len(new)))
    return blocks


def _whole_words(old: str, new: str, regions):
    """Widen each changed region over the word characters it cuts into (they are
    equal in both texts, so both sides widen alike), merging regions that meet."""
    merged: list[list[int]] = []
    for i1, i2, j1, j2 in regions:
        low = merged[-1][1] if merged else 0
        if _cuts_word(old, new, i1, i2, j1, j2, left=True):
            while i1 > low and old[i1 - 1].isalnum():
                i1, j1 = i1 - 1, j1 - 1
        if merged and i1 <= merged[-1][1]:
            merged[-1][1], merged[-1][3] = i2, j2
        else:
            merged.append([i1, i2, j1, j2])
    for k, region in enumerate(merged):
        i1, i2, j1, j2 = region
        high = merged[k + 1][0] if k + 1 < len(merged) else len(old)
        if _cuts_word(old, new, i1, i2, j1, j2, left=False):
            while i2 < high and old[i2].isalnum():
                i2, j2 = i2 + 1, j2 + 1
        region[1], region[3] = i2, j2
    result: list[list[int]] = []
    for region in merged:
        if result and region[0] <= result[-1][1]:
            result[-1][1], result[-1][3] = region[1], region[3]
        else:
            result.append(region)
    return result


class TextChange:
    """One revision of a text: maps anchors of `old` into `new`."""

    def __init__(self, old: str, new: str, *, timeout: float = DIFF_TIMEOUT):
        self.old, self.new = old, new
        self.blocks = blocks_of(old, new, diff(old, new, timeout=timeout))
        equal = [Segment(i1, j1, i2 - i1) for op, i1, i2, j1, j2 in self.blocks if op == 0]
        segments = sorted(equal + self._moved_segments(), key=lambda s: s.old)
        self.segments = segments
        self._segment_starts = [s.old for s in segments]
        self._block_starts = [b[1] for b in self.blocks]
        self._block_ends = [b[2] for b in self.blocks]

    # The diff as blocks ------------------------------------------------------------------

    def _moved_segments(self) -> list[Segment]:
        """Text deleted in one place and inserted in another: a second diff of all the
        deleted runs against all the inserted runs finds it."""
        deleted = [(i1, i2) for op, i1, i2, _, _ in self.blocks if op and i2 - i1 >= MIN_MOVE]
        inserted = [(j1, j2) for op, _, _, j1, j2 in self.blocks if op and j2 - j1 >= MIN_MOVE]
        if not deleted or not inserted or any(c in self.old for c in _SEPARATORS):
            return []
        a, a_map = self._joined(self.old, deleted, _SEPARATORS[0])
        b, b_map = self._joined(self.new, inserted, _SEPARATORS[1])
        found, i, j = [], 0, 0
        for op, text in _dmp(MOVE_TIMEOUT).diff_main(a, b, False):
            n = len(text)
            if op == 0:
                if n >= MIN_MOVE:
                    found.append(Segment(a_map(i), b_map(j), n, moved=True))
                i, j = i + n, j + n
            elif op == -1:
                i += n
            else:
                j += n
        return found

    @staticmethod
    def _joined(text: str, runs, separator: str):
        """The runs of `text` joined by `separator`, and a function from an offset in the
        joined string back to an offset in `text` (never called on a separator)."""
        starts, offsets, parts, at = [], [], [], 0
        for r1, r2 in runs:
            starts.append(at)
            offsets.append(r1)
            parts.append(text[r1:r2])
            at += r2 - r1 + 1
        joined = separator.join(parts)

        def back(position: int) -> int:
            k = bisect.bisect_right(starts, position) - 1
            return offsets[k] + position - starts[k]

        return joined, back

    # Mapping offsets -----------------------------------------------------------------------

    def segment_of(self, start: int, end: int) -> Segment | None:
        """The identical segment that holds all of old[start:end], if one does. Segments
        are disjoint in the old text (moved ones lie inside deleted runs), so it can only
        be the last one starting at or before `start`."""
        k = bisect.bisect_right(self._segment_starts, start) - 1
        if k >= 0:
            segment = self.segments[k]
            if end <= segment.old + segment.length:
                return segment
        return None

    def map_start(self, position: int) -> int:
        """Where an anchor starting at old `position` starts in the new text: past text
        inserted right there (not part of the quote), or at the start of the text that
        replaced the position."""
        if position >= len(self.old):
            return len(self.new)
        # Blocks tile the old text in order; an insertion at `position` comes before the
        # block that holds it, so the last block starting at or before it holds it.
        k = bisect.bisect_right(self._block_starts, position) - 1
        op, i1, _, j1, _ = self.blocks[k]
        return j1 + (position - i1) if op == 0 else j1

    def map_end(self, position: int) -> int:
        """Where an anchor ending at old `position` ends: before text inserted right
        there, or at the end of the text that replaced the position."""
        if position <= 0:
            return 0
        # The first block ending at or after `position` holds old[position - 1].
        k = bisect.bisect_left(self._block_ends, position)
        if k >= len(self.blocks):
            return len(self.new)
        op, i1, _, j1, j2 = self.blocks[k]
        return j1 + (position - i1) if op == 0 else j2

    # Placing anchors -----------------------------------------------------------------------

    def _is_sharp(self, start: int, end: int, length: int) -> bool:
        """Whether both edges of old[start:end] lie in equal text or in changes no longer
        than SMALL_CHANGE (or half the quote), so the image's edges can be trusted."""
        limit = max(SMALL_CHANGE, length // 2)
        first = self.blocks[bisect.bisect_right(self._block_starts, start) - 1]
        last = self.blocks[min(bisect.bisect_left(self._block_ends, end), len(self.blocks) - 1)]
        return all(op == 0 or (i2 - i1 <= limit and j2 - j1 <= limit)
                   for op, i1, i2, j1, j2 in (first, last))  # fmt: skip

    def map_within(self, position: int) -> int:
        """Where old `position` falls in the new text, in proportion inside a changed
        block (a guess for when the diff gave up on a long stretch: its deadline)."""
        k = bisect.bisect_right(self._block_starts, min(position, len(self.old) - 1)) - 1
        op, i1, i2, j1, j2 = self.blocks[max(k, 0)]
        if op == 0 or i2 == i1:
            return self.map_start(position)
        return j1 + (position - i1) * (j2 - j1) // (i2 - i1)

    def place(self, anchor: Anchor) -> Placement:
        """Where `anchor` (whose quote is old[start:end]) lands in the new text."""
        segment = self.segment_of(anchor.start, anchor.end)
        if segment is not None:
            start = segment.new + anchor.start - segment.old
            end = start + anchor.end - anchor.start
            if self.new[start:end] == anchor.quote:
                return Placement(start, end, anchor.quote, EXACT)
        length = len(anchor.quote)
        image = (self.map_start(anchor.start), self.map_end(anchor.end))
        if self._is_sharp(anchor.start, anchor.end, length):
            # The diff says precisely what became of the quote's edges (kept, or replaced
            # by a few words): its image is the answer when it is good enough.
            found = judge(self.new, anchor, *image, image)
            if found is not None:
                return found
        candidates = [image]
        if image[1] - image[0] > 2 * (length + SEARCH_MARGIN):
            # The edit replaced far more than the quote around it: guess in proportion.
            at = self.map_within(anchor.start)
            candidates = [(at, at + length)]
        for position in (anchor.start, anchor.end - 1):
            moved = self.segment_of(position, position + 1)
            if moved is not None and moved.moved:
                at = moved.new + position - moved.old
                if position == anchor.start:
                    candidates.append((at, at + length))
                else:
                    candidates.append((max(0, at + 1 - length), at + 1))
        return best_placement(self.new, anchor, candidates, self.tokens, image)

    @cached_property
    def tokens(self) -> "Tokens":
        return Tokens(self.new)


class Tokens:
    """Word edges of a text: where a quote may start (a token's first character) and end
    (just past a token's last character)."""

    def __init__(self, text: str):
        self.starts, self.ends = [], []
        for match in _TOKENS.finditer(text):
            self.starts.append(match.start())
            self.ends.append(match.end())

    @staticmethod
    def near(edges: list[int], low: int, high: int) -> list[int]:
        return edges[bisect.bisect_left(edges, low) : bisect.bisect_right(edges, high)]


def _context_similarity(old: str, new: str) -> float:
    return similarity(old, new) if old or new else 1.0


def _score(text: str, anchor: Anchor, start: int, end: int, hint: int) -> tuple[float, float]:
    """(weighted score, quote similarity) of the candidate text[start:end]."""
    quote = similarity(anchor.quote, text[start:end])
    prefix = _context_similarity(anchor.prefix, text[max(0, start - len(anchor.prefix)) : start])
    suffix = _context_similarity(anchor.suffix, text[end : end + len(anchor.suffix)])
    closeness = 1.0 - min(1.0, abs(start - hint) / max(len(text), 1))
    w_quote, w_prefix, w_suffix, w_close = WEIGHTS
    total = w_quote * quote + w_prefix * prefix + w_suffix * suffix + w_close * closeness
    return total / sum(WEIGHTS), quote


def _refine(text: str, anchor: Anchor, start: int, end: int, tokens: Tokens) -> tuple[int, int]:
    """Move the edges of text[start:end] to the word edges that make it most like the
    quote: first the start (end fixed), then the end."""
    length = len(anchor.quote)
    reach = max(8, length // 4, min(abs((end - start) - length), length))
    quote = anchor.quote

    def best(options, make):
        scored = [(similarity(quote, text[s:e]), -abs(o - origin), s, e) for o in options
                  for s, e in [make(o)] if s < e]  # fmt: skip
        return max(scored)[2:] if scored else (start, end)

    origin = start
    starts = set(Tokens.near(tokens.starts, start - reach, start + reach)) | {start}
    start, _ = best(sorted(starts), lambda s: (s, end))
    origin = end
    ends = set(Tokens.near(tokens.ends, end - reach, end + reach)) | {end}
    _, end = best(sorted(ends), lambda e: (start, e))
    return start, end


def best_placement(
    text: str, anchor: Anchor, candidates, tokens: Tokens, image: tuple[int, int]
) -> Placement:
    """The best of `candidates` ((start, end) guesses in `text`) and of the quote's best
    alignment around each, re-fitted to word edges and scored; ORPHANED below the bar."""
    quote = anchor.quote
    window = max(SEARCH_MARGIN, len(quote) // 2)
    guesses = set()
    for start, end in candidates:
        start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
        if start < end and end - start <= 2 * (len(quote) + SEARCH_MARGIN):
            guesses.add((start, end))
        low, high = max(0, start - window), min(len(text), max(end, start) + window)
        if high - low >= 1:
            found = fuzz.partial_ratio_alignment(quote, text[low:high])
            if found is not None and found.dest_end > found.dest_start:
                guesses.add((low + found.dest_start, low + found.dest_end))
    best = None
    for start, end in guesses:
        start, end = _refine(text, anchor, start, end, tokens)
        found = judge(text, anchor, start, end, image, accept_all=True)
        if found is not None and (best is None or found.score > best.score):
            best = found
    if best is not None and best.score >= SCORE_MIN and best.similarity >= QUOTE_MIN:
        return best
    return Placement(anchor.start, anchor.end, anchor.quote, ORPHANED, 0.0)


def judge(
    text: str, anchor: Anchor, start: int, end: int, image, *, accept_all: bool = False
) -> Placement | None:
    """text[start:end] (white space at its edges left out) as the anchor's new place,
    or None when it falls below the bar (unless `accept_all`, for ranking). Identical
    words inside the diff's image of the quote are EXACT; anything else MOVED."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start >= end:
        return None
    score, quote_similarity = _score(text, anchor, start, end, image[0])
    if not accept_all and (quote_similarity < QUOTE_MIN or score < SCORE_MIN):
        return None
    found = text[start:end]
    inside = image[0] <= start and end <= image[1]
    kind = EXACT if found == anchor.quote and inside else MOVED
    return Placement(start, end, found, kind, round(score, 3), round(quote_similarity, 3))


def find_exact(text: str, anchor: Anchor) -> Placement | None:
    """An orphaned anchor whose words came back: prefix + quote + suffix found exactly
    once in `text`. Its old offsets refer to an older text, so nothing else is trusted."""
    needle = anchor.prefix + anchor.quote + anchor.suffix
    first = text.find(needle)
    if first == -1 or text.find(needle, first + 1) != -1:
        return None
    start = first + len(anchor.prefix)
    return Placement(start, start + len(anchor.quote), anchor.quote, EXACT)


def suggest(text: str, anchor: Anchor, *, limit: int = 3, floor: float = 0.6) -> list[Placement]:
    """Places in `text` where an orphaned anchor's words might be now, best first: exact
    occurrences of its quote, the best approximate match in the whole text and the best
    near its old position, each fitted to word edges and scored. At most `limit`, each
    at least `floor` similar to the old quote; overlapping ones keep the better."""
    quote = anchor.quote
    if not quote or not text:
        return []
    tokens = Tokens(text)
    hint = min(anchor.start, len(text))
    guesses = []
    at = text.find(quote)
    while at != -1 and len(guesses) < limit:
        guesses.append((at, at + len(quote)))
        at = text.find(quote, at + 1)
    found = fuzz.partial_ratio_alignment(quote, text)
    if found is not None and found.dest_end > found.dest_start:
        guesses.append((found.dest_start, found.dest_end))
    low, high = max(0, hint - 4 * len(quote)), min(len(text), hint + 5 * len(quote))
    near = fuzz.partial_ratio_alignment(quote, text[low:high]) if high > low else None
    if near is not None and near.dest_end > near.dest_start:
        guesses.append((low + near.dest_start, low + near.dest_end))
    placed = []
    for start, end in guesses:
        start, end = _refine(text, anchor, start, end, tokens)
        candidate = judge(text, anchor, start, end, (hint, hint), accept_all=True)
        if candidate is not None and candidate.similarity >= floor:
            placed.append(candidate)
    placed.sort(key=lambda p: (-p.similarity, -p.score, p.start))
    chosen: list[Placement] = []
    for candidate in placed:
        if all(candidate.end <= c.start or c.end <= candidate.start for c in chosen):
            chosen.append(candidate)
    return chosen[:limit]
