"""Readers, as in CNTK 2.7's ``cntk.io``: ``MinibatchSource`` over a ``CTFDeserializer`` (the CNTK
text format), ``MinibatchSourceFromData`` over arrays in memory, and the ``MinibatchData`` they
return.

What it does as CNTK 2.7 does (measured with it):

- ``next_minibatch(n)`` returns ``{StreamInformation: MinibatchData}``, or with ``input_map``
  ``{key: MinibatchData}`` for every ``key: stream`` of the map (keys are input variables or
  their names; ``Function.eval``/``grad`` and the Trainer resolve names as CNTK does). An empty
  dict once ``max_samples`` or ``max_sweeps`` is used up.
- A ``MinibatchSource``'s minibatches run across sweep boundaries (a minibatch of 7 from a file
  of 5 samples holds the whole sweep and 2 samples of the next); ``end_of_sweep`` is True when
  a sweep ends inside the minibatch. With ``max_sweeps``/``max_samples`` the last minibatch is
  the partial rest. ``MinibatchSourceFromData`` stops every minibatch at the end of the sweep.
- Without randomisation the samples come in file order. Randomised (the default), every sweep
  is a different seeded permutation holding every sample once. CNTK's chunk randomiser itself is
  not reproduced: here the file is cut into 4 MB chunks at line ends, a sweep takes the chunks
  in a seeded random order, ``randomization_window_in_chunks`` of them at a time (or as many as
  hold ``randomization_window_in_samples`` samples), and permutes the samples of each window.
  The order differs from CNTK's; the properties (seeded, once per sweep, new order each sweep)
  are the same.
- ``get_checkpoint_state()`` is ``{'minibatchSourcePosition': samples}`` (CNTK's key);
  ``restore_from_checkpoint`` continues from there, randomised order included.
- CTF: ``|name values`` per stream, ``|name index:value`` for sparse streams (``is_sparse=True``;
  they arrive as dense arrays of the declared width), ``|#`` comments up to the next ``|``,
  an optional sequence id in the first column. Every line must give every stream.

Where cntkr differs (see docs/cntk-semantics.md):

- ``INFINITELY_REPEAT`` is 2**63 - 1024 (CNTK: 2**64 - 1), the largest number that is both an
  int64 and exact as a double, so R (whose formals reticulate builds from Python defaults, and
  whose numbers are doubles) can pass it back unchanged; any value at or above it (CNTK's
  2**64 - 1 too) means "forever". ``FULL_DATA_SWEEP`` is 2**63 - 2048.
- One sample a line: several lines with the same sequence id (a sequence) are rejected.
- A malformed line is an error naming the file and the line: CNTK warns and zero-fills a dense
  stream given too few values, and counts errors up to ``max_errors``.
- Blank lines are skipped (CNTK stops at them); numbers like ``.5`` are accepted (CNTK refuses a
  leading dot).
- ``MinibatchData.asarray()`` is (samples, \\*shape): cntkr has no sequence axis yet (CNTK's is
  (samples, 1, \\*shape) from a ``MinibatchSource``).
- ``MinibatchSourceFromData.next_minibatch`` also takes ``input_map``.
"""
from __future__ import annotations

import os

import numpy as np
import torch

from .._shapes import as_bool, as_int, as_shape, describe
from . import _ctf

__all__ = ["INFINITELY_REPEAT", "FULL_DATA_SWEEP", "DEFAULT_RANDOMIZATION_WINDOW_IN_CHUNKS",
           "MinibatchSource", "MinibatchSourceFromData", "MinibatchData", "CTFDeserializer",
           "StreamDef", "StreamDefs", "StreamInformation", "Record", "sequence_to_cntk_text_format",
           "UserMinibatchSource"]

#: "repeat forever" for ``max_samples``/``max_sweeps``: 2**63 - 1024, the largest int64 that a
#: double holds exactly (CNTK's 2**64 - 1 overflows int64); any larger value means forever too.
INFINITELY_REPEAT = 2 ** 63 - 1024
#: one full sweep of the data (CNTK's ``FULL_DATA_SWEEP``), 2**63 - 2048 here
FULL_DATA_SWEEP = 2 ** 63 - 2048
#: CNTK's default randomisation window, in chunks
DEFAULT_RANDOMIZATION_WINDOW_IN_CHUNKS = 128

#: bytes read and parsed at a time, and the size of a randomisation chunk
CHUNK_BYTES = 4 << 20

_DENSE, _SPARSE = 0, 1  # CNTK's StorageFormat values
_ELEMENT_TYPES = {np.dtype(np.float32): 1, np.dtype(np.float64): 2}


class Record(dict):
    """A dict whose items are also attributes (``streams.features``), as ``cntk.variables.Record``."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"no item {name!r} (items: {', '.join(map(repr, self)) or 'none'})") \
                from None

    def __dir__(self):
        return list(super().__dir__()) + [k for k in self if isinstance(k, str)]


#: ``StreamDefs(features=StreamDef(...), labels=StreamDef(...))``: the streams of a deserializer
StreamDefs = Record


def StreamDef(field=None, shape=None, is_sparse=False, transforms=None, context=None, scp=None,
              mlf=None, broadcast=None, defines_mb_size=False, max_sequence_length=65535):
    """The configuration of one stream of a deserializer, as CNTK's ``StreamDef``: `field` is the
    stream's name in the file (default: the key it has in ``StreamDefs``), `shape` its dimension
    (an int, or a shape whose product is the number of values on a line), `is_sparse` whether the
    file gives ``index:value`` pairs. `transforms`, `context`, `scp`, `mlf` and `broadcast`
    belong to the image and HTK deserializers, which cntkr does not have (the CTF deserializer
    rejects them)."""
    out = Record(stream_alias=field, is_sparse=as_bool(is_sparse, "is_sparse"),
                 dim=None if shape is None else _stream_shape(shape, "shape"),
                 defines_mb_size=as_bool(defines_mb_size, "defines_mb_size"),
                 max_sequence_length=as_int(max_sequence_length, "max_sequence_length", minimum=1))
    if field is not None and not isinstance(field, str):
        raise TypeError(f"field must be a string (the stream's name in the file), got {describe(field)}")
    for key, value in (("transforms", transforms), ("context", context), ("scp", scp), ("mlf", mlf),
                       ("broadcast", broadcast)):
        if value is not None:
            out[key] = value
    return out


def _stream_shape(shape, name):
    dims = as_shape(shape, name)
    if not dims or any(d < 1 for d in dims):
        raise ValueError(f"{name} must be a positive dimension or shape, got {describe(shape)}")
    return dims[0] if len(dims) == 1 else dims


class StreamInformation:
    """A stream of a minibatch source: ``name`` (also CNTK's ``m_name``), ``shape``
    (``m_sample_layout``), ``is_sparse``, ``dtype``; CNTK's ``m_id``, ``m_storage_format`` (0
    dense, 1 sparse), ``m_element_type`` (1 float32, 2 float64), ``m_defines_mb_size``.
    ``input_map`` values are these."""

    def __init__(self, name, stream_id, storage_format, dtype, shape, defines_mb_size=False):
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty string, got {describe(name)}")
        self.name = self.m_name = name
        self.m_id = as_int(stream_id, "stream_id", minimum=0)
        fmt = storage_format
        if fmt in ("dense", _DENSE):
            self.m_storage_format = _DENSE
        elif fmt in ("sparse", "sparse_csc", _SPARSE):
            self.m_storage_format = _SPARSE
        else:
            raise ValueError(f"storage_format must be 'dense' or 'sparse', got {describe(fmt)}")
        dt = np.dtype(np.float32 if dtype is None or (isinstance(dtype, str) and dtype == "auto") else dtype)
        if dt not in _ELEMENT_TYPES:
            raise TypeError(f"dtype must be float32 or float64, got {describe(str(dt))}")
        self.dtype = dt
        self.m_element_type = _ELEMENT_TYPES[dt]
        self.shape = self.m_sample_layout = as_shape(shape, "shape")
        self.m_defines_mb_size = as_bool(defines_mb_size, "defines_mb_size")

    @property
    def is_sparse(self) -> bool:
        return self.m_storage_format == _SPARSE

    def __repr__(self):
        return f"{self.name}([{', '.join(map(str, self.shape))}])"

    __str__ = __repr__


class MinibatchData:
    """One stream's part of a minibatch, as CNTK's ``MinibatchData``: ``data`` (a torch tensor,
    samples first), ``asarray()`` (NumPy), ``num_samples``, ``num_sequences`` (one sample a
    sequence here), ``end_of_sweep``, ``is_sparse`` (the stream's storage; the data is dense),
    ``shape``. Feed it to ``Function.eval``/``grad`` or the Trainer as an input's value."""

    def __init__(self, value, num_sequences, num_samples, sweep_end, is_sparse=False):
        if isinstance(value, np.ndarray):
            value = torch.from_numpy(value)
        elif not isinstance(value, torch.Tensor):
            value = torch.as_tensor(np.asarray(value, np.float32))
        self.data = value
        self.num_sequences = as_int(num_sequences, "num_sequences", minimum=0)
        self.num_samples = as_int(num_samples, "num_samples", minimum=0)
        self.end_of_sweep = self.sweep_end = as_bool(sweep_end, "sweep_end")
        self.is_sparse = as_bool(is_sparse, "is_sparse")

    number_of_samples = property(lambda self: self.num_samples)
    number_of_sequences = property(lambda self: self.num_sequences)
    shape = property(lambda self: tuple(self.data.shape))

    def asarray(self) -> np.ndarray:
        return self.data.detach().cpu().numpy()

    def as_sequences(self, variable=None) -> list:
        """The samples as a list of (1, \\*shape) arrays (one sample a sequence)."""
        a = self.asarray()
        return [a[i:i + 1] for i in range(a.shape[0])]

    def _cast(self, dtype):
        t = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}.get(np.dtype(dtype))
        if t is None or self.data.dtype == t:
            return self
        return MinibatchData(self.data.to(t), self.num_sequences, self.num_samples, self.end_of_sweep,
                             self.is_sparse)

    def __len__(self):
        return self.num_sequences

    def __repr__(self):
        return (f"MinibatchData(data=({', '.join(map(str, self.shape))}), samples={self.num_samples}, "
                f"seqs={self.num_sequences}, end_of_sweep={self.end_of_sweep})")


class CTFDeserializer:
    """The CNTK text format reader's configuration: `filename` and `streams` (``StreamDefs`` of
    ``StreamDef``; each stream's ``field`` defaults to its key). Read by ``MinibatchSource``."""

    def __init__(self, filename, streams):
        if not isinstance(filename, (str, os.PathLike)):
            raise TypeError(f"filename must be a path, got {describe(filename)}")
        self.filename = os.fspath(filename)
        if not isinstance(streams, dict) or not streams:
            raise TypeError("streams must be StreamDefs(name = StreamDef(...), ...) with at least "
                            f"one stream, got {describe(streams)}")
        self.streams = []
        aliases = set()
        for key, sd in streams.items():
            where = f"streams[{key!r}]"
            if not isinstance(sd, dict):
                raise TypeError(f"{where} must be a StreamDef, got {describe(sd)}")
            extra = [k for k in ("transforms", "context", "scp", "mlf", "broadcast") if sd.get(k) is not None]
            if extra:
                raise ValueError(f"{where}: {', '.join(extra)} belong to the image and HTK "
                                 "deserializers, which cntkr does not have; a CTF stream takes "
                                 "field, shape and is_sparse")
            if sd.get("dim") is None:
                raise ValueError(f"{where}: a CTF stream needs its shape (StreamDef(shape = ...))")
            alias = sd.get("stream_alias") or key
            if any(c.isspace() or c in "|:" for c in alias) or alias.startswith("#"):
                raise ValueError(f"{where}: field {alias!r} cannot be a CTF stream name")
            if alias in aliases:
                raise ValueError(f"{where}: two streams read field {alias!r}")
            aliases.add(alias)
            dim = sd["dim"]
            shape = tuple(dim) if isinstance(dim, (tuple, list)) else (int(dim),)
            self.streams.append((key, alias, shape, bool(sd.get("is_sparse", False))))

    def __repr__(self):
        return f"CTFDeserializer({self.filename!r}, streams: {', '.join(s[0] for s in self.streams)})"


def _forever(value, name):
    """`value` as an int, None when it means forever (INFINITELY_REPEAT or more)."""
    if isinstance(value, float) and value >= INFINITELY_REPEAT:
        return None
    v = as_int(value, name, minimum=0)
    return None if v >= INFINITELY_REPEAT else v


class _Source:
    """What every source shares: the streams, input maps, positions."""

    _streams = None

    @property
    def streams(self) -> Record:
        """The streams by name: ``source.streams.features``."""
        if self._streams is None:  # a UserMinibatchSource: from its stream_infos()
            infos = self.stream_infos()
            if not isinstance(infos, (list, tuple)) or not all(isinstance(i, StreamInformation)
                                                                for i in infos):
                raise TypeError("stream_infos() must return a list of StreamInformation, got "
                                f"{describe(infos)}")
            self._streams = Record((i.name, i) for i in infos)
        return self._streams

    def stream_infos(self) -> list:
        return list(self.streams.values())

    def stream_info(self, name):
        """The stream named `name`."""
        if not isinstance(name, str):
            raise TypeError(f"name must be a string, got {describe(name)}")
        try:
            return self.streams[name]
        except KeyError:
            raise ValueError(f"no stream named {describe(name)} (the streams: "
                             f"{', '.join(describe(k) for k in self.streams)})") from None

    def _keyed(self, mb, input_map):
        if input_map is None:
            return mb
        if not isinstance(input_map, dict):
            raise TypeError(f"input_map must be a dict of input variable (or name): stream, got "
                            f"{describe(input_map)}")
        streams = self.streams
        by_name = {getattr(k, "name", k): v for k, v in mb.items()}
        out = {}
        for key, stream in input_map.items():
            if isinstance(stream, str):
                stream = self.stream_info(stream)
            if not isinstance(stream, StreamInformation) or streams.get(stream.name) is not stream:
                raise ValueError(f"input_map[{describe(getattr(key, 'name', key))}] must be a stream "
                                 f"of this source ({', '.join(map(repr, streams.values()))}), "
                                 f"got {describe(stream) if not isinstance(stream, StreamInformation) else repr(stream)}")
            data = by_name.get(stream.name)
            if not isinstance(data, MinibatchData):
                raise ValueError(f"the minibatch has no MinibatchData for stream {stream.name!r}")
            dtype = getattr(key, "dtype", None)
            out[key] = data._cast(dtype) if dtype is not None else data
        return out


class MinibatchSource(_Source):
    """Minibatches from a deserializer (``CTFDeserializer``), as CNTK 2.7's ``MinibatchSource``."""

    def __init__(self, deserializers, max_samples=INFINITELY_REPEAT, max_sweeps=INFINITELY_REPEAT,
                 randomization_window_in_chunks=DEFAULT_RANDOMIZATION_WINDOW_IN_CHUNKS,
                 randomization_window_in_samples=0, randomization_seed=0, trace_level=1,
                 multithreaded_deserializer=None, frame_mode=False, truncation_length=0,
                 randomize=True, max_errors=0):
        if isinstance(deserializers, (list, tuple)):
            if len(deserializers) != 1:
                raise ValueError("deserializers: cntkr reads one deserializer per MinibatchSource, "
                                 f"got {len(deserializers)}")
            deserializers = deserializers[0]
        if not isinstance(deserializers, CTFDeserializer):
            raise TypeError(f"deserializers must be a CTFDeserializer, got {describe(deserializers)}")
        self._max_samples = _forever(max_samples, "max_samples")
        self._max_sweeps = _forever(max_sweeps, "max_sweeps")
        if self._max_samples is not None and self._max_sweeps is not None:
            raise ValueError("max_samples and max_sweeps cannot both be given (CNTK: mutually "
                             "exclusive)")
        if self._max_samples == FULL_DATA_SWEEP:
            self._max_samples, self._max_sweeps = None, 1
        self._window_chunks = as_int(randomization_window_in_chunks, "randomization_window_in_chunks",
                                     minimum=0)
        self._window_samples = as_int(randomization_window_in_samples, "randomization_window_in_samples",
                                      minimum=0)
        self._seed = as_int(randomization_seed, "randomization_seed", minimum=0)
        as_int(getattr(trace_level, "value", trace_level), "trace_level", minimum=0)  # TraceLevel or int
        if multithreaded_deserializer is not None:
            as_bool(multithreaded_deserializer, "multithreaded_deserializer")
        as_bool(frame_mode, "frame_mode")  # one sample a sequence: frame mode changes nothing
        if as_int(truncation_length, "truncation_length", minimum=0):
            raise ValueError("truncation_length: truncated sequences (BPTT) are not supported: "
                             "cntkr reads one sample a sequence")
        self._randomize = as_bool(randomize, "randomize") and (self._window_chunks > 0 or
                                                               self._window_samples > 0)
        if as_int(max_errors, "max_errors", minimum=0):
            raise ValueError("max_errors: cntkr stops at the first malformed line (with its file "
                             "and line number); only 0 is supported")
        self._reader = _ctf.Reader(deserializers.filename, [
            _ctf.Stream(key, alias, int(np.prod(shape)), sparse)
            for key, alias, shape, sparse in deserializers.streams])
        self._shapes = [shape for _, _, shape, _ in deserializers.streams]
        self._streams = Record()
        for i, (key, alias, shape, sparse) in enumerate(deserializers.streams):
            self._streams[key] = StreamInformation(key, i, "sparse" if sparse else "dense", np.float32,
                                                   shape)
        self._rewind()

    # ---- position ---------------------------------------------------------------------
    def _rewind(self):
        self._sweep = 0
        self._position = 0
        self._pending = None  # (arrays, offset) of the block being handed out
        self._blocks = self._sweep_blocks(0)

    def _sweep_blocks(self, sweep):
        if not self._randomize:
            return self._reader.sequential()
        return self._reader.randomized(np.random.default_rng([self._seed, sweep]),
                                       self._window_chunks, self._window_samples)

    @property
    def current_position(self) -> dict:
        return self.get_checkpoint_state()

    @current_position.setter
    def current_position(self, position):
        self.restore_from_checkpoint(position)

    def get_checkpoint_state(self) -> dict:
        """``{'minibatchSourcePosition': samples handed out so far}``, as CNTK."""
        return {"minibatchSourcePosition": self._position}

    def restore_from_checkpoint(self, checkpoint):
        """Continue from a ``get_checkpoint_state()`` of a source over the same data."""
        if not isinstance(checkpoint, dict) or "minibatchSourcePosition" not in checkpoint:
            raise ValueError("checkpoint must be a dict from get_checkpoint_state() "
                             f"({{'minibatchSourcePosition': n}}), got {describe(checkpoint)}")
        target = as_int(checkpoint["minibatchSourcePosition"], "checkpoint$minibatchSourcePosition",
                        minimum=0)
        self._rewind()
        size = self._reader.samples_per_sweep()
        if size:
            self._sweep = target // size
            self._blocks = self._sweep_blocks(self._sweep)
            self._position = self._sweep * size
        self._take(target - self._position, limit=False)

    # ---- reading ----------------------------------------------------------------------
    def _take(self, n, limit=True):
        """Up to `n` samples as (list of arrays per stream, samples, sweep ended)."""
        parts, got, ended = [], 0, False
        while got < n:
            if self._pending is None:
                block = next(self._blocks, None)
                if block is None:  # the sweep is over
                    if self._reader.empty:
                        raise ValueError(f"{self._reader.filename}: no samples in the file")
                    ended = True
                    self._sweep += 1
                    if limit and self._max_sweeps is not None and self._sweep >= self._max_sweeps:
                        break
                    self._blocks = self._sweep_blocks(self._sweep)
                    continue
                if block[0].shape[0] == 0:
                    continue
                self._pending = (block, 0)
            block, off = self._pending
            k = min(n - got, block[0].shape[0] - off)
            parts.append([b[off:off + k] for b in block])
            got += k
            self._position += k
            self._pending = None if off + k == block[0].shape[0] else (block, off + k)
        if got == n and self._pending is None and not ended:
            # a sweep ending exactly here ends inside this minibatch
            nxt = next(self._blocks, None)
            while nxt is not None and nxt[0].shape[0] == 0:
                nxt = next(self._blocks, None)
            if nxt is None:
                ended = True
                self._sweep += 1
                self._blocks = self._sweep_blocks(self._sweep)
            else:
                self._pending = (nxt, 0)
        return parts, got, ended

    def next_minibatch(self, minibatch_size_in_samples, input_map=None, device=None,
                       num_data_partitions=None, partition_index=None):
        """The next `minibatch_size_in_samples` samples: ``{StreamInformation: MinibatchData}``,
        or ``{key: MinibatchData}`` for each ``key: stream`` of `input_map`; ``{}`` when
        ``max_samples``/``max_sweeps`` are used up."""
        n = as_int(minibatch_size_in_samples, "minibatch_size_in_samples", minimum=1)
        _check_partitions(num_data_partitions, partition_index)
        if self._max_samples is not None:
            n = min(n, self._max_samples - self._position)
        if n <= 0 or (self._max_sweeps is not None and self._sweep >= self._max_sweeps):
            return {}
        parts, got, ended = self._take(n)
        if got == 0:
            return {}
        dev = _device_of(device)
        mb = {}
        for i, (key, info) in enumerate(self._streams.items()):
            arr = parts[0][i] if len(parts) == 1 else np.concatenate([p[i] for p in parts])
            t = torch.from_numpy(np.ascontiguousarray(arr).reshape((got,) + self._shapes[i]))
            if dev is not None:
                t = t.to(dev)
            mb[info] = MinibatchData(t, got, got, ended, info.is_sparse)
        return self._keyed(mb, input_map)

    def __repr__(self):
        return f"MinibatchSource({self._reader.filename!r}, streams: {', '.join(self._streams)})"


def _check_partitions(num_data_partitions, partition_index):
    if num_data_partitions is not None and as_int(num_data_partitions, "num_data_partitions",
                                                  minimum=0) > 1:
        raise ValueError("num_data_partitions: distributed reading is not supported (one worker)")
    if partition_index is not None and as_int(partition_index, "partition_index", minimum=0) != 0:
        raise ValueError("partition_index: distributed reading is not supported (partition 0 only)")


def _device_of(device):
    if device is None:
        return None
    from ..device import as_torch_device
    return as_torch_device(device)


class UserMinibatchSource(_Source):
    """The base of a minibatch source written in Python, as CNTK 2.7's: implement
    ``stream_infos()`` (a list of StreamInformation) and ``next_minibatch(num_samples,
    number_of_workers, worker_rank, device=None)`` returning ``{StreamInformation:
    MinibatchData}`` (``{}`` when there is no more data); for checkpoints,
    ``get_checkpoint_state()`` and ``restore_from_checkpoint(state)``. ``streams``,
    ``stream_info(name)`` and the Trainer's use come from the base."""

    def __init__(self):
        self._streams = None

    def stream_infos(self) -> list:
        raise NotImplementedError("a UserMinibatchSource implements stream_infos(): its list of "
                                  "StreamInformation")

    def next_minibatch(self, num_samples, number_of_workers, worker_rank, device=None):
        raise NotImplementedError("a UserMinibatchSource implements next_minibatch(num_samples, "
                                  "number_of_workers, worker_rank, device=None)")

    def get_checkpoint_state(self) -> dict:
        return {}

    def restore_from_checkpoint(self, state):
        if state:
            raise NotImplementedError("to checkpoint a UserMinibatchSource, implement "
                                      "restore_from_checkpoint(state)")


class MinibatchSourceFromData(UserMinibatchSource):
    """Minibatches from arrays in memory, as CNTK 2.7's ``MinibatchSourceFromData``: `data_streams`
    is a dict ``name: array`` (samples first, all the same number of samples); float64 arrays
    stay float64, others become float32. No randomisation; a minibatch stops at the end of the
    sweep; the data is not copied."""

    def __init__(self, data_streams, max_samples=INFINITELY_REPEAT):
        if not isinstance(data_streams, dict) or not data_streams:
            raise TypeError("data_streams must be a dict of name: array with at least one item, got "
                            f"{describe(data_streams)}")
        self._data = {}
        self._streams = Record()
        lengths = {}
        for i, (name, value) in enumerate(data_streams.items()):
            if not isinstance(name, str):
                raise TypeError(f"data_streams: names must be strings, got {describe(name)}")
            if isinstance(value, torch.Tensor):
                value = value.detach().cpu().numpy()
            arr = np.asarray(value)
            if arr.ndim < 1 or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
                raise TypeError(f"data_streams[{name!r}] must be a numeric array with samples first, "
                                f"got {describe(value)}")
            if arr.dtype != np.float64:
                arr = arr.astype(np.float32, copy=False)
            self._data[name] = arr
            lengths[name] = arr.shape[0]
            self._streams[name] = StreamInformation(name, i, "dense", arr.dtype, arr.shape[1:])
        if len(set(lengths.values())) > 1:
            raise ValueError("data_streams: every array must have the same number of samples (first "
                             f"dimension), got {', '.join(f'{k}: {v}' for k, v in lengths.items())}")
        self._size = next(iter(lengths.values()))
        if self._size == 0:
            raise ValueError("data_streams: the arrays have no samples")
        self._max_samples = _forever(max_samples, "max_samples")
        self._cursor = 0
        self._total = 0

    def stream_infos(self) -> list:
        return list(self._streams.values())

    def next_minibatch(self, num_samples, number_of_workers=1, worker_rank=0, device=None,
                       input_map=None):
        """Up to `num_samples` samples, never past the end of the sweep:
        ``{StreamInformation: MinibatchData}`` (or keyed as `input_map` says); ``{}`` once
        `max_samples` are used up."""
        n = as_int(num_samples, "num_samples", minimum=1)
        _check_partitions(number_of_workers, worker_rank)
        if self._max_samples is not None:
            n = min(n, self._max_samples - self._total)
            if n <= 0:
                return {}
        n = min(n, self._size - self._cursor)
        start = self._cursor
        self._cursor += n
        self._total += n
        ended = self._cursor == self._size or (self._max_samples is not None and
                                                self._total >= self._max_samples)
        if self._cursor == self._size:
            self._cursor = 0
        dev = _device_of(device)
        mb = {}
        for name, info in self._streams.items():
            t = torch.from_numpy(np.ascontiguousarray(self._data[name][start:start + n]))
            mb[info] = MinibatchData(t if dev is None else t.to(dev), n, n, ended)
        return self._keyed(mb, input_map)

    def get_checkpoint_state(self) -> dict:
        """``{'cursor': position in the sweep, 'total_num_samples': samples handed out}``, as CNTK."""
        return {"cursor": self._cursor, "total_num_samples": self._total}

    def restore_from_checkpoint(self, state):
        if not isinstance(state, dict) or not {"cursor", "total_num_samples"} <= set(state):
            raise ValueError("state must be a dict from get_checkpoint_state() ({'cursor': n, "
                             f"'total_num_samples': n}}), got {describe(state)}")
        self._cursor = as_int(state["cursor"], "state$cursor", minimum=0) % self._size
        self._total = as_int(state["total_num_samples"], "state$total_num_samples", minimum=0)

    @property
    def current_position(self) -> dict:
        return self.get_checkpoint_state()

    @current_position.setter
    def current_position(self, position):
        self.restore_from_checkpoint(position)

    def __repr__(self):
        return (f"MinibatchSourceFromData({self._size} samples, streams: "
                f"{', '.join(map(repr, self._streams.values()))})")


def sequence_to_cntk_text_format(seq_idx, alias_tensor_map):
    """One sequence in the CNTK text format, as CNTK 2.7's: `alias_tensor_map` maps each stream's
    name to its sequence (an array whose first axis is the sequence, or for a sparse stream a list
    of ``{index: value}`` dicts); element ``i`` of every stream goes on line ``i`` as
    ``seq_idx<TAB>|name v v ...`` (streams in name order, values as NumPy writes them, lines
    joined by newlines, no newline at the end). cntkr's reader reads one element a sequence."""
    if not isinstance(alias_tensor_map, dict) or not alias_tensor_map:
        raise ValueError("alias_tensor_map must be a dict of stream name: sequence with at least "
                         f"one item, got {describe(alias_tensor_map)}")
    streams = []
    for alias, tensor in sorted(alias_tensor_map.items()):
        if not isinstance(alias, str) or not alias or any(c.isspace() or c in "|:" for c in alias):
            raise ValueError(f"alias_tensor_map: {describe(alias)} is not a CTF stream name")
        if isinstance(tensor, list) and tensor and all(isinstance(t, dict) for t in tensor):
            rows = [" ".join(f"{k}:{v}" for k, v in sorted(t.items())) for t in tensor]
        else:
            if isinstance(tensor, torch.Tensor):
                tensor = tensor.detach().cpu().numpy()
            arr = np.asarray(tensor)
            if arr.ndim == 0 or arr.dtype.kind not in "biuf":
                raise ValueError(f"alias_tensor_map[{alias!r}] must be an array (sequence axis first) "
                                 f"or a list of {{index: value}} dicts, got {describe(tensor)}")
            rows = [" ".join(a.ravel(order="C").astype(str)) for a in arr]
        streams.append((alias, rows))
    length = max(len(rows) for _, rows in streams)
    lines = []
    for i in range(length):
        parts = [f"|{alias} {rows[i]}" for alias, rows in streams if i < len(rows)]
        lines.append(f"{seq_idx}\t" + " ".join(parts))
    return "\n".join(lines)


# ---- the entry points of the R wrappers (R/io.R): one call each, any source ----------------------
def _source(value, name="minibatch_source"):
    if not isinstance(value, _Source):
        raise TypeError(f"{name} must be a MinibatchSource or MinibatchSourceFromData, got "
                        f"{describe(value)}")
    return value


def _next_minibatch(minibatch_source, minibatch_size_in_samples, input_map=None, device=None,
                    num_data_partitions=None, partition_index=None):
    src = _source(minibatch_source)
    if isinstance(src, MinibatchSource):
        return src.next_minibatch(minibatch_size_in_samples, input_map, device, num_data_partitions,
                                  partition_index)
    return _user_next_minibatch(src, minibatch_size_in_samples, 1 if num_data_partitions is None
                                else num_data_partitions, partition_index or 0, device, input_map)


def _user_next_minibatch(usermb_source, num_samples, num_workers=1, worker_rank=0, device=None,
                         input_map=None):
    """A UserMinibatchSource's next minibatch (its own ``next_minibatch``), keyed by `input_map`."""
    if not isinstance(usermb_source, UserMinibatchSource):
        raise TypeError(f"usermb_source must be a UserMinibatchSource, got {describe(usermb_source)}")
    n = as_int(num_samples, "num_samples", minimum=1)
    workers = as_int(num_workers, "num_workers", minimum=1)
    rank = as_int(worker_rank, "worker_rank", minimum=0)
    if isinstance(usermb_source, MinibatchSourceFromData):
        return usermb_source.next_minibatch(n, workers, rank, device, input_map)
    mb = usermb_source.next_minibatch(n, workers, rank, device)
    if not isinstance(mb, dict):
        raise TypeError(f"{type(usermb_source).__name__}.next_minibatch must return a dict of "
                        f"StreamInformation: MinibatchData, got {describe(mb)}")
    return usermb_source._keyed(mb, input_map) if mb else {}


def _stream_info(mb_source, name):
    return _source(mb_source, "mb_source").stream_info(name)


def _stream_infos(mb_source):
    return _source(mb_source, "mb_source").stream_infos()


def _get_checkpoint_state(mb_source):
    return _source(mb_source, "mb_source").get_checkpoint_state()


def _restore_from_checkpoint(mb_source, checkpoint):
    _source(mb_source, "mb_source").restore_from_checkpoint(checkpoint)


def _as_sequences(minibatch_data, variable=None):
    if not isinstance(minibatch_data, MinibatchData):
        raise TypeError(f"minibatch_data must be a MinibatchData, got {describe(minibatch_data)}")
    return minibatch_data.as_sequences(variable)
