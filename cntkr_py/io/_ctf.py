"""The CNTK text format (CTF) parser: whole blocks of lines at a time, vectorised with NumPy.

A CTF line is ``[sequence_id] |name value value ... |name index:value ... |# comment``: one sample a
line here (several lines with the same sequence id, i.e. sequences of several samples, are
rejected). A block of complete lines is parsed without a Python loop over lines or values:

1. the stream names: a fixed-width window after every ``|``, matched against the declared names
   all at once (``|#`` starts a comment that runs to the next ``|`` or the end of the line);
2. a copy of the block with the names, comments and sequence ids blanked, so that only the values
   remain (a sparse stream's ``index:value`` becomes two tokens);
3. the tokens: their starts and lengths from the whitespace mask; each token belongs to the
   ``|name`` segment before it (``searchsorted``), which gives every segment's value count;
4. the numbers: a short loop over the *character position* (not over tokens) accumulates the
   digits of every plain decimal token at once (``-12``, ``0.5``, ``3.``); tokens in other
   spellings (``1e-3``, ``+2``, ``nan``) are the rare rest, parsed one by one with ``float()``,
   and anything ``float()`` refuses is an error naming the line;
5. dense streams are gathered into (samples, dim) arrays; sparse ones scattered into dense arrays
   of the declared width.

Every error raised here is a ``ValueError`` naming the file, the 1-based line number and what is
wrong with it.
"""
from __future__ import annotations

import os

import numpy as np

_SPACE = 32
_NL = 10
_BAR = ord("|")
_HASH = ord("#")
_COLON = ord(":")
_DOT = ord(".")
_MINUS = ord("-")
_MAX_NAME = 64


class CTFError(ValueError):
    """A malformed CTF line (a ValueError naming the file and line)."""


class Stream:
    """One declared stream of a CTF file: its name in the file, width and storage."""
    __slots__ = ("key", "alias", "dim", "sparse")

    def __init__(self, key: str, alias: str, dim: int, sparse: bool):
        self.key, self.alias, self.dim, self.sparse = key, alias, dim, sparse


def _fail(filename, line, what):
    raise CTFError(f"{filename}, line {line}: {what}")


def _line_of(pos, line_starts):
    return int(np.searchsorted(line_starts, pos, side="right")) - 1


def parse_block_numpy(buf: bytes, streams: list, filename: str, first_line: int, state: dict,
                      dtype=np.float32):
    """Parse a block of complete CTF lines (``buf`` ends with a newline) with NumPy.

    Returns a list aligned with ``streams`` of (samples, dim) arrays of `dtype`. Blank lines are
    skipped. `first_line` is the 1-based number of the block's first line, for messages;
    ``state['prev_id']`` the sequence id of the sample before the block (in and out)."""
    a = np.frombuffer(buf, np.uint8)
    n = a.size
    nl = np.flatnonzero(a == _NL)
    line_starts = np.concatenate(([0], nl[:-1] + 1))
    n_lines = nl.size
    state["lines"] = n_lines

    # ---- 1. the |name tokens --------------------------------------------------------
    bars = np.flatnonzero(a == _BAR)
    bar_line = np.searchsorted(nl, bars)  # line index of each |
    width = min(_MAX_NAME, max(len(s.alias) for s in streams) + 1)
    idx = bars[:, None] + np.arange(1, width + 1)
    np.minimum(idx, n - 1, out=idx)
    window = a[idx]  # (bars, width)
    is_end = (window <= _SPACE) | (window == _BAR)
    has_end = is_end.any(axis=1)
    name_len = np.where(has_end, is_end.argmax(axis=1), width)
    is_comment = window[:, 0] == _HASH if window.size else np.zeros(0, bool)
    # the names as fixed-width byte strings, matched against the declared aliases
    keep = np.arange(width) < name_len[:, None]
    names = np.where(keep, window, 0).view(f"S{width}").reshape(-1)
    stream_of_bar = np.full(bars.size, -1, np.int64)
    for k, s in enumerate(streams):
        stream_of_bar[names == s.alias.encode()] = k
    stream_of_bar[is_comment] = -2
    unknown = np.flatnonzero(stream_of_bar == -1)
    if unknown.size:
        j = unknown[0]
        name = bytes(a[bars[j] + 1:bars[j] + 1 + min(int(name_len[j]), 40)]).decode("utf-8", "replace")
        known = ", ".join(repr(s.alias) for s in streams)
        _fail(filename, first_line + int(bar_line[j]),
              f"unknown stream name {name!r} (the streams declared: {known})")

    # the end of every segment: the next | on the same line, or the end of the line
    nxt = np.empty_like(bars)
    nxt[:-1] = bars[1:]
    if bars.size:
        nxt[-1] = n
    seg_end = np.minimum(nxt, nl[bar_line]) if bars.size else nxt

    # ---- 2. blank everything that is not a value --------------------------------------
    b = a.copy()
    name_idx = idx[keep] if keep.size else idx.reshape(-1)
    b[bars] = _SPACE
    b[name_idx] = _SPACE
    first_bar = np.full(n_lines, n, np.int64)
    if bars.size:
        is_first = np.ones(bars.size, bool)
        is_first[1:] = bar_line[1:] != bar_line[:-1]
        first_bar[bar_line[is_first]] = bars[is_first]
    prefix_len = np.minimum(first_bar, nl) - line_starts
    paint = np.zeros(n + 1, np.int32)
    cmt = np.flatnonzero(stream_of_bar == -2)
    ids = None
    if cmt.size or np.any(prefix_len > 0):
        np.add.at(paint, bars[cmt], 1)
        np.add.at(paint, seg_end[cmt], -1)
        with_prefix = np.flatnonzero(prefix_len > 0)
        np.add.at(paint, line_starts[with_prefix], 1)
        np.add.at(paint, line_starts[with_prefix] + prefix_len[with_prefix], -1)
        b[np.cumsum(paint[:-1]) > 0] = _SPACE
        if with_prefix.size:
            ids = _sequence_ids(buf, line_starts, prefix_len, with_prefix, first_bar, nl, filename,
                                first_line)
    sparse_any = any(s.sparse for s in streams)
    if sparse_any:
        b[b == _COLON] = _SPACE  # index:value -> two tokens (checked below)

    # ---- 3. the tokens ----------------------------------------------------------------
    ws = b <= _SPACE
    edge = np.empty(n + 1, bool)
    edge[0] = ~ws[0] if n else False
    edge[1:n] = ws[:-1] & ~ws[1:]
    edge[n] = False
    tok_start = np.flatnonzero(edge)
    edge[0] = False
    edge[1:n] = ~ws[:-1] & ws[1:]
    edge[n] = n > 0 and not ws[-1]
    tok_end = np.flatnonzero(edge)  # exclusive
    del edge, ws
    # segments: the non-comment bars in file order
    segs = np.flatnonzero(stream_of_bar >= 0)
    seg_start = bars[segs]
    seg_stream = stream_of_bar[segs]
    seg_line = bar_line[segs]
    first_tok = np.searchsorted(tok_start, seg_start)
    last_tok = np.searchsorted(tok_start, seg_end[segs])
    count = last_tok - first_tok
    if tok_start.size and segs.size:
        covered = count.sum()
        if covered != tok_start.size:  # a value outside any segment (after a comment: impossible)
            orphan = np.setdiff1d(np.arange(tok_start.size), np.concatenate(
                [np.arange(f, l) for f, l in zip(first_tok, last_tok)]))[0]
            _fail(filename, first_line + _line_of(tok_start[orphan], line_starts),
                  "a value outside any |stream")
    elif tok_start.size:
        _fail(filename, first_line + _line_of(tok_start[0], line_starts),
              "values without a |stream name before them")

    # ---- 4. the numbers ---------------------------------------------------------------
    values = _numbers(a, tok_start, tok_end, filename, first_line, line_starts)

    # ---- 5. per stream ----------------------------------------------------------------
    # the sample lines: those with at least one segment (blank and comment-only lines skipped)
    sample_lines = np.unique(seg_line)
    n_samples = sample_lines.size
    line_row = np.full(n_lines, -1, np.int64)
    line_row[sample_lines] = np.arange(n_samples)
    blank_with_text = np.flatnonzero((line_row < 0) & (prefix_len > 0) & (first_bar >= nl))
    if blank_with_text.size:
        _fail(filename, first_line + int(blank_with_text[0]), "no |stream on the line")
    prev = state.get("prev_id") if ids is not None else None
    for l in (sample_lines.tolist() if ids is not None else ()):
        sid = ids.get(l) if ids is not None else None
        if sid is not None and sid == prev:
            _fail(filename, first_line + l, f"sequence id {sid.decode('utf-8', 'replace')[:40]!r} "
                  "continues on this line: sequences of several samples are not supported (one "
                  "sample a line)")
        prev = sid
    state["prev_id"] = prev
    out = []
    for k, s in enumerate(streams):
        mine = np.flatnonzero(seg_stream == k)
        rows = line_row[seg_line[mine]]
        if mine.size != n_samples:
            have = np.zeros(n_samples, np.int64)
            np.add.at(have, rows, 1)
            twice = np.flatnonzero(have > 1)
            if twice.size:
                _fail(filename, first_line + int(sample_lines[twice[0]]),
                      f"stream {s.alias!r} given twice on one line")
            miss = np.flatnonzero(have == 0)[0]
            _fail(filename, first_line + int(sample_lines[miss]), f"no value for stream {s.alias!r}")
        c = count[mine]
        f = first_tok[mine]
        if not s.sparse:
            bad = np.flatnonzero(c != s.dim)
            if bad.size:
                j = bad[0]
                _fail(filename, first_line + int(seg_line[mine[j]]),
                      f"stream {s.alias!r} has {int(c[j])} values, expected {s.dim}")
            if f.size < 2 or bool((np.diff(f) == f[1] - f[0]).all()):
                stride = int(f[1] - f[0]) if f.size > 1 else s.dim  # one layout on every line
                block = np.lib.stride_tricks.as_strided(
                    values[int(f[0]):] if f.size else values, shape=(n_samples, s.dim),
                    strides=(stride * values.itemsize, values.itemsize))
                arr = block.astype(dtype)
            else:
                arr = values[f[:, None] + np.arange(s.dim)].astype(dtype)
        else:
            odd = np.flatnonzero(c % 2)
            # every index must be followed by ':' in the file
            if odd.size == 0:
                tok_seg = np.repeat(np.arange(mine.size), c // 2)
                starts = f.repeat(c // 2) + _ranks(c // 2) * 2
                colon_ok = a[tok_end[starts]] == _COLON
            if odd.size or not colon_ok.all():
                j = odd[0] if odd.size else tok_seg[np.flatnonzero(~colon_ok)[0]]
                _fail(filename, first_line + int(seg_line[mine[j]]),
                      f"sparse stream {s.alias!r} needs index:value pairs")
            index = values[starts]
            val = values[starts + 1]
            inty = index == np.floor(index)
            bad = np.flatnonzero(~inty | (index < 0) | (index >= s.dim))
            if bad.size:
                j = bad[0]
                _fail(filename, first_line + int(seg_line[mine[tok_seg[j]]]),
                      f"sparse index {index[j]:g} of stream {s.alias!r} is out of range "
                      f"(its dim is {s.dim}: indices 0 to {s.dim - 1})")
            arr = np.zeros((n_samples, s.dim), dtype)
            arr[rows[tok_seg], index.astype(np.int64)] = val
        out.append(arr)
    return out


def _ranks(counts):
    """0, 1, ..., c-1 for every c in counts, concatenated."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    offsets = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total) - offsets


def _numbers(a, tok_start, tok_end, filename, first_line, line_starts):
    """Every token as a float64: unsigned integers by length group (a gather and a dot product),
    other plain decimals by a short loop over the character position, the rest with float()."""
    length = tok_end - tok_start
    val = np.empty(length.size)
    if length.size == 0:
        return val
    todo = []
    lens = length.astype(np.uint8) if int(length.max()) < 256 else None
    if lens is not None:
        for n_chars in range(1, 11):
            sel = np.flatnonzero(lens == n_chars)
            if sel.size == 0:
                continue
            g = a[tok_start[sel, None] + np.arange(n_chars)] - np.uint8(48)  # wraps below '0'
            digits = (g <= 9).all(axis=1)
            val[sel] = g @ (10.0 ** np.arange(n_chars - 1, -1, -1))
            if not digits.all():
                todo.append(sel[~digits])
        todo.append(np.flatnonzero(lens > 10))
    else:
        todo.append(np.arange(length.size))
    rest = np.concatenate(todo) if todo else np.zeros(0, np.int64)
    if rest.size:
        rest = _decimals(a, tok_start[rest], length[rest], rest, val)
    if rest.size:
        buf = a.tobytes()
        for j in rest:
            text = buf[tok_start[j]:tok_end[j]]
            try:
                val[j] = float(text)
            except ValueError:
                _fail(filename, first_line + _line_of(tok_start[j], line_starts),
                      f"{text.decode('utf-8', 'replace')[:40]!r} is not a number")
    return val


def _decimals(a, start, length, where, val):
    """Parse the plain decimals (``-12``, ``0.5``, ``-.5``, ``3.``) among the given tokens into
    ``val[where]``; returns the indices (into val) of the tokens in another spelling."""
    max_len = min(int(length.max()), 24)
    acc = np.zeros(length.size)
    frac = np.zeros(length.size, np.int64)
    ndig = np.zeros(length.size, np.int64)
    seen_dot = np.zeros(length.size, bool)
    neg = a[start] == _MINUS
    ok = length <= 24
    for k in range(max_len):
        live = length > k
        c = np.where(live, a[np.minimum(start + k, a.size - 1)], 48)
        d = c.astype(np.int64) - 48
        digit = (d >= 0) & (d <= 9)
        dot = (c == _DOT) & live
        ok &= digit | dot & ~seen_dot | (neg if k == 0 else False)
        step = digit & live
        acc = np.where(step, acc * 10 + d, acc)
        frac += step & seen_dot
        ndig += step
        seen_dot |= dot
    ok &= ndig > 0
    acc /= 10.0 ** frac
    acc[neg] *= -1
    val[where[ok]] = acc[ok]
    return where[~ok]


def _sequence_ids(buf, line_starts, prefix_len, lines, first_bar, nl, filename, first_line):
    """{line index: sequence id bytes} for the lines with text before their first |."""
    out = {}
    for i in lines.tolist():
        text = buf[line_starts[i]:line_starts[i] + prefix_len[i]].strip()
        if not text:
            continue
        if first_bar[i] >= nl[i]:
            _fail(filename, first_line + i, "no |stream on the line")
        if len(text.split()) > 1:
            _fail(filename, first_line + i,
                  f"{text.decode('utf-8', 'replace')[:40]!r} before the first |stream is not one "
                  "sequence id")
        out[i] = text
    return out


# ---- the C parser (ctf_parse.c, built at install time), NumPy otherwise ------------------------
def _load_c():
    import ctypes
    import importlib.machinery
    here = os.path.dirname(os.path.abspath(__file__))
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = os.path.join(here, "_ctf_parse" + suffix)
        if os.path.exists(path):
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                return None
            f = lib.ctf_parse
            f.restype = ctypes.c_long
            f.argtypes = [ctypes.c_char_p, ctypes.c_long, ctypes.c_int, ctypes.POINTER(ctypes.c_char_p),
                          ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_long),
                          ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_void_p), ctypes.c_int,
                          ctypes.c_long, ctypes.POINTER(ctypes.c_long), ctypes.c_char_p, ctypes.c_int,
                          ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)]
            return f
    return None


_C_PARSE = _load_c()


def parse_block_c(buf: bytes, streams: list, filename: str, first_line: int, state: dict,
                  dtype=np.float32):
    """parse_block_numpy's contract, by the C parser (one pass, no temporaries)."""
    import ctypes
    k = len(streams)
    rows = buf.count(b"\n") + 1
    state["lines"] = rows - 1
    out = [np.zeros((rows, s.dim), dtype) for s in streams]
    names = [s.alias.encode() for s in streams]
    err_line = ctypes.c_long(0)
    msg = ctypes.create_string_buffer(512)
    prev = state.get("prev_id") or b""
    prev_buf = ctypes.create_string_buffer(prev[:255], 256)
    prev_len = ctypes.c_int(len(prev[:255]))
    got = _C_PARSE(buf, len(buf), k, (ctypes.c_char_p * k)(*names), (ctypes.c_int * k)(*map(len, names)),
                   (ctypes.c_long * k)(*[s.dim for s in streams]),
                   (ctypes.c_int * k)(*[int(s.sparse) for s in streams]),
                   (ctypes.c_void_p * k)(*[o.ctypes.data for o in out]), int(dtype == np.float64),
                   rows, ctypes.byref(err_line), msg, 512, prev_buf, ctypes.byref(prev_len))
    if got < 0:
        what = msg.value.decode("utf-8", "replace")
        if what.startswith("unknown stream name"):
            what += f" (the streams declared: {', '.join(repr(s.alias) for s in streams)})"
        _fail(filename, first_line + err_line.value, what)
    state["prev_id"] = prev_buf.raw[:prev_len.value] or None
    return [o[:got] for o in out]


def parse_block(buf, streams, filename, first_line, state, dtype=np.float32):
    """Parse a block of complete lines: by the C parser when it is built, else by NumPy."""
    if _C_PARSE is not None:
        return parse_block_c(buf, streams, filename, first_line, state, dtype)
    return parse_block_numpy(buf, streams, filename, first_line, state, dtype)


def _permuted(parts, samples, rng, piece=2048):
    """The samples of `parts` (blocks: lists of arrays per stream) in a random order, a piece of
    `piece` samples at a time, gathered straight from the blocks (no copy of the whole window)."""
    sizes = np.array([p[0].shape[0] for p in parts])
    offsets = np.concatenate(([0], np.cumsum(sizes)))
    perm = rng.permutation(samples)
    for start in range(0, samples, piece):
        idx = perm[start:start + piece]
        part = np.searchsorted(offsets, idx, side="right") - 1
        local = idx - offsets[part]
        out = [np.empty((idx.size,) + a.shape[1:], a.dtype) for a in parts[0]]
        for j in np.unique(part):
            hit = part == j
            rows = local[hit]
            for k, a in enumerate(parts[j]):
                out[k][hit] = a[rows]
        yield out


# ---- reading a file in blocks -------------------------------------------------------------------
class Reader:
    """A CTF file read block by block (memory independent of the file's size): in file order, or
    as a randomised sweep over chunks (``chunk_bytes`` of whole lines each)."""

    def __init__(self, filename: str, streams: list, chunk_bytes: int = 4 << 20):
        if not os.path.isfile(filename):
            raise FileNotFoundError(f"CTF file {filename!r} not found" if not os.path.exists(filename)
                                    else f"CTF file {filename!r} is not a file")
        self.filename = filename
        self.streams = streams
        self.chunk_bytes = chunk_bytes
        self._chunks = None       # [(start offset, end offset, first line number)]
        self._sweep_samples = None
        self.empty = False

    def _blocks_of(self, f, start, end, first_line):
        """Parse the bytes [start, end) of open file `f` (whole lines), block by block."""
        f.seek(start)
        # NumPy's temporaries are ~40x the block: it parses 1 MB at a time (also its fastest)
        step = self.chunk_bytes if _C_PARSE is not None else min(self.chunk_bytes, 1 << 20)
        line = first_line
        rest = b""
        state = {}
        pos = start
        while pos < end or rest:
            data = f.read(min(step, end - pos)) if pos < end else b""
            pos += len(data)
            data = rest + data
            if not data:
                break
            cut = data.rfind(b"\n") + 1
            if pos >= end and cut < len(data):  # the last line has no newline
                data += b"\n"
                cut = len(data)
            if cut == 0:
                rest = data
                continue
            block, rest = data[:cut], data[cut:]
            yield parse_block(block, self.streams, self.filename, line, state)
            line += state["lines"]

    def sequential(self):
        """One sweep in file order, a block (list of arrays per stream) at a time."""
        total = 0
        with open(self.filename, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            for block in self._blocks_of(f, 0, size, 1):
                total += block[0].shape[0]
                yield block
        self._sweep_samples = total
        self.empty = total == 0

    def chunks(self):
        """[(start, end, first line)] of the file's chunks: whole lines, about chunk_bytes each."""
        if self._chunks is None:
            out = []
            with open(self.filename, "rb") as f:
                start, line = 0, 1
                while True:
                    f.seek(start)
                    data = f.read(self.chunk_bytes)
                    if not data:
                        break
                    cut = data.rfind(b"\n") + 1
                    while cut == 0 and len(data) % self.chunk_bytes == 0:  # a line longer than a chunk
                        more = f.read(self.chunk_bytes)
                        if not more:
                            break
                        data += more
                        cut = data.rfind(b"\n") + 1
                    if cut == 0:
                        cut = len(data)
                    out.append((start, start + cut, line))
                    line += data.count(b"\n", 0, cut)
                    start += cut
            self._chunks = out
        return self._chunks

    def randomized(self, rng, window_chunks: int, window_samples: int):
        """One sweep: the chunks in a random order, their samples permuted a window at a time."""
        chunks = self.chunks()
        order = rng.permutation(len(chunks))
        total = 0
        with open(self.filename, "rb") as f:
            i = 0
            while i < len(order):
                parts, samples = [], 0
                while i < len(order):
                    start, end, line = chunks[order[i]]
                    i += 1
                    for block in self._blocks_of(f, start, end, line):
                        parts.append(block)
                        samples += block[0].shape[0]
                    if window_samples > 0 and samples >= window_samples:
                        break
                    if window_samples == 0 and len(parts) and i % max(window_chunks, 1) == 0:
                        break
                if not parts:
                    continue
                total += samples
                yield from _permuted(parts, samples, rng)
        self._sweep_samples = total
        self.empty = total == 0

    def samples_per_sweep(self):
        """The number of samples in the file (parsed once when not yet known)."""
        if self._sweep_samples is None:
            for _ in self.sequential():
                pass
        return self._sweep_samples
