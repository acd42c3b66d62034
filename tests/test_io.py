"""cntkr_py.io: MinibatchSource over CTF files, MinibatchSourceFromData, MinibatchData feeding.

The expected orders, sweep flags, positions and errors are CNTK 2.7's, measured with
../shared/cntk-reference on the same small files (where CNTK only warns or zero-fills, cntkr
raises; see cntkr_py/io/__init__.py). Every CTF test runs with both parsers: the C one built at
install time and the NumPy one used when it is not built.
"""
import os
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest

import cntkr_py as C
from cntkr_py import io
from cntkr_py.io import _ctf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(params=["c", "numpy"])
def parser(request, monkeypatch):
    if request.param == "c":
        if _ctf._C_PARSE is None:
            pytest.skip("the C parser is not built (pip install -e . builds it)")
    else:
        monkeypatch.setattr(_ctf, "_C_PARSE", None)
    return request.param


def write(tmp_path, text, name="d.ctf"):
    p = tmp_path / name
    p.write_bytes(text.encode() if isinstance(text, str) else text)
    return str(p)


def five(tmp_path):
    return write(tmp_path, "".join(f"|labels {i % 2} {1 - i % 2} |features {3 * i + 1} {3 * i + 2} {3 * i + 3}\n"
                                   for i in range(5)))


def source(path, labels_dim=2, labels_sparse=False, **kw):
    return io.MinibatchSource(io.CTFDeserializer(path, io.StreamDefs(
        features=io.StreamDef(field="features", shape=3),
        labels=io.StreamDef(field="labels", shape=labels_dim, is_sparse=labels_sparse))), **kw)


def firsts(mb, src):
    """The first feature value of every sample: 1, 4, 7, 10, 13 are samples 0..4."""
    return [int(v) for v in mb[src.streams.features].asarray()[:, 0]]


def test_constants_fit_int64_and_doubles():
    assert io.INFINITELY_REPEAT == 2 ** 63 - 1024 and io.FULL_DATA_SWEEP == 2 ** 63 - 2048
    assert int(float(io.INFINITELY_REPEAT)) == io.INFINITELY_REPEAT  # an R double carries it exactly
    assert io.DEFAULT_RANDOMIZATION_WINDOW_IN_CHUNKS == 128
    assert C.INFINITELY_REPEAT == io.INFINITELY_REPEAT and C.MinibatchData is io.MinibatchData
    import inspect
    for f in (io.MinibatchSource.__init__, io.MinibatchSourceFromData.__init__):
        for p in inspect.signature(f).parameters.values():
            if isinstance(p.default, int):
                assert p.default < 2 ** 63


def test_minibatches_cross_sweeps_in_file_order(tmp_path, parser):
    src = source(five(tmp_path), randomize=False)
    got = []
    for _ in range(5):
        mb = src.next_minibatch(2)
        md = mb[src.streams.features]
        got.append((firsts(mb, src), md.end_of_sweep, md.num_samples, md.num_sequences))
    # CNTK 2.7: [1,4] [7,10] [13,1]* [4,7] [10,13]*  (* end_of_sweep)
    assert got == [([1, 4], False, 2, 2), ([7, 10], False, 2, 2), ([13, 1], True, 2, 2),
                   ([4, 7], False, 2, 2), ([10, 13], True, 2, 2)]
    assert src.current_position == {"minibatchSourcePosition": 10}
    labels = src.next_minibatch(2)[src.streams.labels]
    np.testing.assert_array_equal(labels.asarray(), [[0, 1], [1, 0]])
    assert labels.asarray().dtype == np.float32 and labels.shape == (2, 2)


def test_minibatch_larger_than_the_file(tmp_path, parser):
    src = source(five(tmp_path), randomize=False)
    mb = src.next_minibatch(7)
    assert firsts(mb, src) == [1, 4, 7, 10, 13, 1, 4] and mb[src.streams.features].end_of_sweep
    assert firsts(src.next_minibatch(7), src) == [7, 10, 13, 1, 4, 7, 10]


def test_max_sweeps_gives_the_partial_rest_then_nothing(tmp_path, parser):
    src = source(five(tmp_path), randomize=False, max_sweeps=1)
    sizes = [(firsts(mb, src), mb[src.streams.labels].end_of_sweep) if mb else {}
             for mb in (src.next_minibatch(2) for _ in range(5))]
    assert sizes == [([1, 4], False), ([7, 10], False), ([13], True), {}, {}]
    assert src.current_position == {"minibatchSourcePosition": 5}
    src = source(five(tmp_path), randomize=False, max_sweeps=2)
    assert sum(mb[src.streams.labels].num_samples for mb in iter(lambda: src.next_minibatch(3), {})) == 10


def test_max_samples(tmp_path, parser):
    src = source(five(tmp_path), randomize=False, max_samples=3)
    mb1, mb2, mb3 = (src.next_minibatch(2) for _ in range(3))
    assert firsts(mb1, src) == [1, 4] and firsts(mb2, src) == [7] and mb3 == {}
    assert not mb2[src.streams.features].end_of_sweep  # as CNTK: no sweep ended
    src = source(five(tmp_path), randomize=False, max_samples=io.FULL_DATA_SWEEP)
    assert sum(mb[src.streams.labels].num_samples for mb in iter(lambda: src.next_minibatch(2), {})) == 5
    with pytest.raises(ValueError, match="max_samples and max_sweeps"):
        source(five(tmp_path), max_samples=3, max_sweeps=2)
    forever = source(five(tmp_path), max_sweeps=2 ** 64 - 1)  # CNTK's own constant still means forever
    assert all(forever.next_minibatch(4) for _ in range(5))


def test_sparse_comments_sequence_ids_and_number_spellings(tmp_path, parser):
    path = write(tmp_path, "|labels 2:1 |features 1 2 3\n"
                           "|labels 0:1 1:0.5 |# a comment |features 4 5 6\n"
                           "|labels |features 1e2 -2.5 +3 |#end\n"
                           "\n"
                           "7 |labels 1:-.25\t|features\t.5 5. 1E-3\r\n"
                           "8 |labels 0:2 |features 0 0 0")  # no newline at the end
    src = source(path, labels_dim=3, labels_sparse=True, randomize=False)
    mb = src.next_minibatch(4)
    assert src.streams.labels.is_sparse and mb[src.streams.labels].is_sparse
    np.testing.assert_array_equal(mb[src.streams.labels].asarray(),
                                  [[0, 0, 1], [1, 0.5, 0], [0, 0, 0], [0, -0.25, 0]])
    np.testing.assert_array_equal(mb[src.streams.features].asarray(),
                                  np.array([[1, 2, 3], [4, 5, 6], [100, -2.5, 3], [0.5, 5, 1e-3]], np.float32))
    last = src.next_minibatch(1)
    assert last[src.streams.labels].asarray().tolist() == [[2, 0, 0]] and last[src.streams.labels].end_of_sweep


@pytest.mark.parametrize("text, message", [
    ("|labels 1 0 |feat 4 5 6\n", r"line 2: unknown stream name 'feat' \(the streams declared: "
                                  r"'features', 'labels'\)"),
    ("|labels 1 0 |features 4 5\n", "line 2: stream 'features' has 2 values, expected 3"),
    ("|labels 1 0 |features 4 5 6 7\n", "line 2: stream 'features' has 4 values, expected 3"),
    ("|labels 1 0 |features 4 x 6\n", "line 2: 'x' is not a number"),
    ("|features 4 5 6\n", "line 2: no value for stream 'labels'"),
    ("|labels 1 0 |labels 1 0 |features 4 5 6\n", "line 2: stream 'labels' given twice"),
    ("0 |labels 1 0 |features 4 5 6\n", r"line 2: sequence id '0' continues on this line: sequences "
                                        "of several samples are not supported"),
    ("just text\n", "line 2: no |stream on the line"),
])
def test_malformed_lines_name_file_and_line(tmp_path, parser, text, message):
    path = write(tmp_path, "0 |labels 0 1 |features 1 2 3\n" + text)
    src = source(path, randomize=False)
    with pytest.raises(ValueError, match=f"d.ctf, {message}"):
        src.next_minibatch(5)


def test_sparse_errors(tmp_path, parser):
    src = source(write(tmp_path, "|labels 0:1 |features 1 2 3\n|labels 5:1 |features 4 5 6\n"),
                 labels_dim=3, labels_sparse=True, randomize=False)
    with pytest.raises(ValueError, match=r"line 2: sparse index 5 of stream 'labels' is out of range "
                                         r"\(its dim is 3: indices 0 to 2\)"):
        src.next_minibatch(2)
    src = source(write(tmp_path, "|labels 1 |features 1 2 3\n", "b.ctf"), labels_dim=3, labels_sparse=True)
    with pytest.raises(ValueError, match="b.ctf, line 1: sparse stream 'labels' needs index:value pairs"):
        src.next_minibatch(1)


def test_missing_file_and_bad_configuration(tmp_path):
    with pytest.raises(FileNotFoundError, match="'nofile.ctf' not found"):
        source("nofile.ctf")
    path = five(tmp_path)
    with pytest.raises(ValueError, match="needs its shape"):
        io.CTFDeserializer(path, io.StreamDefs(f=io.StreamDef(field="features")))
    with pytest.raises(ValueError, match="shape must be a positive dimension"):
        io.StreamDef(field="f", shape=0)
    with pytest.raises(TypeError, match="is_sparse must be True or False"):
        io.StreamDef(field="f", shape=3, is_sparse="yes")
    with pytest.raises(ValueError, match="image and HTK deserializers"):
        io.CTFDeserializer(path, io.StreamDefs(f=io.StreamDef(field="f", shape=3, transforms=[1])))
    with pytest.raises(TypeError, match="streams must be StreamDefs"):
        io.CTFDeserializer(path, [])
    with pytest.raises(ValueError, match="minibatch_size_in_samples must be positive, got 0"):
        source(path).next_minibatch(0)
    with pytest.raises(ValueError, match="truncation_length"):
        source(path, truncation_length=5)
    with pytest.raises(ValueError, match="no stream named 'nope'"):
        source(path).stream_info("nope")
    with pytest.raises(ValueError, match="num_data_partitions"):
        source(path).next_minibatch(2, num_data_partitions=2, partition_index=1)


def test_streams_and_stream_information(tmp_path):
    src = source(five(tmp_path))
    assert list(src.streams) == ["features", "labels"]
    f = src.streams.features
    assert src.stream_info("features") is f and src.stream_infos() == [f, src.streams.labels]
    assert repr(f) == "features([3])" and f.m_name == f.name == "features"
    assert f.shape == f.m_sample_layout == (3,) and f.m_storage_format == 0 and f.m_element_type == 1
    assert not f.is_sparse and f.m_id == 0
    s = io.StreamInformation("a", 0, "dense", np.float64, (3,))
    assert s.m_element_type == 2 and repr(s) == "a([3])"
    assert io.StreamDef(field="features", shape=3) == {
        "stream_alias": "features", "is_sparse": False, "dim": 3, "defines_mb_size": False,
        "max_sequence_length": 65535}  # CNTK's keys


def test_field_defaults_to_the_key_and_shapes_reshape(tmp_path, parser):
    path = write(tmp_path, "|x 1 2 3 4 5 6 |y 1\n")
    src = io.MinibatchSource(io.CTFDeserializer(path, io.StreamDefs(
        x=io.StreamDef(shape=(2, 3)), y=io.StreamDef(shape=1))), randomize=False)
    assert src.next_minibatch(1)[src.streams.x].asarray().tolist() == [[[1, 2, 3], [4, 5, 6]]]


def _seen(src, n):
    mb = src.next_minibatch(n)
    return firsts(mb, src), mb[src.streams.features].end_of_sweep


def test_randomized_sweeps_are_seeded_permutations(tmp_path, parser):
    path = write(tmp_path, "".join(f"|labels 0 1 |features {3 * i + 1} 0 0\n" for i in range(20)))
    src = source(path, randomization_seed=3)
    sweeps = []
    for _ in range(3):
        a, _ = _seen(src, 10)
        b, end = _seen(src, 10)
        assert end
        sweeps.append(a + b)
    for s in sweeps:
        assert sorted(s) == [3 * i + 1 for i in range(20)]  # every sample once a sweep
    assert sweeps[0] != sweeps[1] != sweeps[2] and sweeps[0] != list(range(1, 60, 3))
    again = source(path, randomization_seed=3)
    assert _seen(again, 20)[0] == sweeps[0]  # seeded
    assert _seen(source(path, randomization_seed=4), 20)[0] != sweeps[0]
    assert _seen(source(path, randomize=False), 20)[0] == list(range(1, 60, 3))


def test_checkpoint_restores_the_position(tmp_path, parser):
    path = write(tmp_path, "".join(f"|labels 0 1 |features {3 * i + 1} 0 0\n" for i in range(20)))
    for kw in ({"randomize": False}, {"randomization_seed": 5}):
        src = source(path, **kw)
        for _ in range(5):
            src.next_minibatch(7)
        state = src.get_checkpoint_state()
        assert state == {"minibatchSourcePosition": 35}
        expect = [_seen(src, 6) for _ in range(3)]
        fresh = source(path, **kw)
        fresh.restore_from_checkpoint(state)
        assert [_seen(fresh, 6) for _ in range(3)] == expect
    with pytest.raises(ValueError, match="minibatchSourcePosition"):
        fresh.restore_from_checkpoint({"cursor": 3})


def test_blocks_chunks_and_memory(tmp_path, parser):
    """A file many blocks long: the same samples in order, randomised over chunks (each sample once
    a sweep), line numbers counted across blocks, memory bounded by the block size."""
    n = 60000
    rng = np.random.default_rng(0)
    feats = rng.integers(0, 1000, (n, 3))
    lines = [f"|labels {i % 2} {1 - i % 2} |features {a} {b} {c}\n" for i, (a, b, c) in enumerate(feats)]
    path = write(tmp_path, "".join(lines))
    size = os.path.getsize(path)
    chunk = 1 << 14
    assert size > 100 * chunk

    def make(**kw):
        src = source(path, **kw)
        src._reader.chunk_bytes = chunk
        return src
    src = make(randomize=False, max_sweeps=1)
    total, first = np.zeros(3), None
    tracemalloc.start()
    for mb in iter(lambda: src.next_minibatch(64), {}):
        a = mb[src.streams.features].asarray()
        first = a[:2].copy() if first is None else first
        total += a.sum(0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    np.testing.assert_array_equal(total, feats.sum(0))
    np.testing.assert_array_equal(first, feats[:2])
    assert peak < 64 * chunk, peak  # bounded by the block size, not the file's (here > 100 blocks)
    src = make(randomization_window_in_chunks=2, randomization_seed=1)
    sweep = np.concatenate([src.next_minibatch(1000)[src.streams.features].asarray() for _ in range(n // 1000)])
    assert sorted(map(tuple, sweep)) == sorted(map(tuple, feats.astype(np.float32)))
    assert not np.array_equal(sweep, feats)
    bad = write(tmp_path, "".join(lines[:15000]) + "|labels 1 0 |features 1 2\n", "bad.ctf")
    src = io.MinibatchSource(io.CTFDeserializer(bad, io.StreamDefs(
        features=io.StreamDef(field="features", shape=3), labels=io.StreamDef(field="labels", shape=2))),
        randomize=False)
    src._reader.chunk_bytes = chunk
    with pytest.raises(ValueError, match="bad.ctf, line 15001: stream 'features' has 2 values"):
        while src.next_minibatch(1000):
            pass


def test_input_map_by_variable_and_name_feeds_eval_and_grad(tmp_path, parser):
    src = source(five(tmp_path), randomize=False)
    x = C.input_variable(3, name="x", needs_gradient=True)
    y = C.input_variable(2, name="y")
    z = C.plus(x, 1)
    mb = src.next_minibatch(2, input_map={x: src.streams.features, y: src.streams.labels})
    assert set(mb) == {x, y}
    np.testing.assert_array_equal(z.eval({x: mb[x]}), [[2, 3, 4], [5, 6, 7]])
    by_name = src.next_minibatch(2, input_map={"x": src.streams.features})
    assert list(by_name) == ["x"]
    np.testing.assert_array_equal(z.eval(by_name), [[8, 9, 10], [11, 12, 13]])  # the dict as it is
    np.testing.assert_array_equal(z.grad(by_name, wrt=[x]), np.ones((2, 3)))
    # a 3-wide stream feeds a (1, 3) input (sizes agree), as in CNTK; others are refused
    x13 = C.input_variable((1, 3))
    assert C.plus(x13, 0).eval({x13: mb[x]}).shape == (2, 1, 3)
    x4 = C.input_variable(4, name="x4")
    with pytest.raises(ValueError, match=r"input 'x4' must have shape \(batch, 4\), got \(2, 3\)"):
        C.plus(x4, 0).eval({x4: mb[x]})
    with pytest.raises(ValueError, match="'y' is not an input of this Function"):
        z.eval(mb)
    x64 = C.input_variable(3, np.float64, name="x")
    m64 = src.next_minibatch(2, input_map={x64: src.streams.features})
    assert m64[x64].asarray().dtype == np.float64
    with pytest.raises(ValueError, match="must be a stream of this source"):
        src.next_minibatch(2, input_map={x: io.StreamInformation("f", 0, "dense", np.float32, 3)})


def test_minibatch_source_from_data():
    X = np.arange(15, dtype=np.float32).reshape(5, 3)
    Y = np.eye(2)[[0, 1, 0, 1, 1]]  # float64 stays float64, as in CNTK
    d = io.MinibatchSourceFromData(dict(x=X, y=Y))
    assert repr(d.streams.x) == "x([3])" and d.streams.y.m_element_type == 2
    got = []
    for _ in range(4):
        mb = d.next_minibatch(2)
        got.append((mb[d.streams.x].asarray()[:, 0].tolist(), mb[d.streams.x].end_of_sweep))
    # CNTK 2.7: a minibatch stops at the end of the sweep
    assert got == [([0, 3], False), ([6, 9], False), ([12], True), ([0, 3], False)]
    assert mb[d.streams.y].asarray().dtype == np.float64
    d = io.MinibatchSourceFromData(dict(x=X, y=Y), max_samples=3)
    a, b, c = (d.next_minibatch(2) for _ in range(3))
    assert a[d.streams.x].num_samples == 2 and b[d.streams.x].num_samples == 1 and c == {}
    assert b[d.streams.x].end_of_sweep and d.get_checkpoint_state() == {"cursor": 3, "total_num_samples": 3}
    d2 = io.MinibatchSourceFromData(dict(x=X, y=Y))
    d2.restore_from_checkpoint({"cursor": 3, "total_num_samples": 3})
    assert d2.next_minibatch(1)[d2.streams.x].asarray()[0, 0] == 9
    x = C.input_variable(3, name="x")
    m = d2.next_minibatch(1, input_map={x: d2.streams.x})
    np.testing.assert_array_equal(C.plus(x, 0).eval(m), [[12, 13, 14]])
    with pytest.raises(ValueError, match="same number of samples"):
        io.MinibatchSourceFromData(dict(x=X, y=Y[:3]))
    with pytest.raises(TypeError, match="data_streams must be a dict"):
        io.MinibatchSourceFromData([X])


def test_minibatch_data():
    md = io.MinibatchData(np.ones((4, 3), np.float32), 4, 4, True)
    assert md.num_samples == md.number_of_samples == 4 and md.end_of_sweep and md.sweep_end
    assert md.shape == (4, 3) and len(md.as_sequences()) == 4 and not md.is_sparse
    assert "samples=4" in repr(md)


def test_fashion_mnist_converter(tmp_path):
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    try:
        import fashion_mnist_to_ctf as conv
    finally:
        sys.path.pop(0)
    images = np.arange(2 * 784).reshape(2, 784) % 256
    path = str(tmp_path / "t.txt")
    conv.write_ctf(path, images.astype(np.uint8), np.array([9, 0], np.uint8))
    line = open(path).readline()
    assert line.startswith("|labels 0 0 0 0 0 0 0 0 0 1 |features 0 1 2 3 ")  # CNTK's MNIST layout
    src = io.MinibatchSource(io.CTFDeserializer(path, io.StreamDefs(
        features=io.StreamDef(field="features", shape=784), labels=io.StreamDef(field="labels", shape=10))),
        randomize=False)
    mb = src.next_minibatch(2)
    np.testing.assert_array_equal(mb[src.streams.features].asarray(), images)
    assert mb[src.streams.labels].asarray().argmax(1).tolist() == [9, 0]


@pytest.mark.skipif(not os.path.exists("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"),
                    reason="Debian's dataset-fashion-mnist is not installed")
def test_fashion_mnist_test_set_converts(tmp_path):
    out = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "fashion_mnist_to_ctf.py"), str(tmp_path)],
                         capture_output=True, text=True, check=True).stdout.split()
    assert [os.path.basename(p) for p in out] == ["Train-28x28_cntk_text.txt", "Test-28x28_cntk_text.txt"]
    src = io.MinibatchSource(io.CTFDeserializer(out[1], io.StreamDefs(
        features=io.StreamDef(field="features", shape=784), labels=io.StreamDef(field="labels", shape=10))),
        randomize=False, max_sweeps=1)
    n = 0
    while mb := src.next_minibatch(2500):
        f = mb[src.streams.features].asarray()
        assert f.min() >= 0 and f.max() <= 255 and (mb[src.streams.labels].asarray().sum(1) == 1).all()
        n += f.shape[0]
    assert n == 10000


def test_bench_reader_runs(tmp_path):
    """bench/reader.py (cntkr against CNTK 2.7) on a small file, without CNTK."""
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    try:
        import reader
    finally:
        sys.path.pop(0)
    path = write(tmp_path, "".join(f"|labels {' '.join('1' if j == i % 10 else '0' for j in range(10))} "
                                   f"|features {' '.join(['0'] * 783)} {i}\n" for i in range(100)))
    med = reader.main(["--file", path, "--repeats", "1", "--no-cntk"])
    assert set(med) == {"cntkr_py"} and med["cntkr_py"] > 0
    assert reader.sweep(io, path)[0] == 100


def test_files_without_samples(tmp_path, parser):
    for text in ("", "\n\n", "|# only a comment\n"):
        for kw in ({"randomize": False}, {}):
            src = source(write(tmp_path, text, "e.ctf"), **kw)
            with pytest.raises(ValueError, match="e.ctf: no samples in the file"):
                src.next_minibatch(2)


def test_sequence_to_cntk_text_format(tmp_path, parser):
    f = io.sequence_to_cntk_text_format
    # CNTK 2.7's strings for the same calls
    assert f(3, {"x": np.array([[1, 2.5, 3], [4, 5, 6]], np.float32), "y": np.array([[0, 1]])}) == \
        "3\t|x 1.0 2.5 3.0 |y 0 1\n3\t|x 4.0 5.0 6.0"
    assert f(0, {"b": np.array([[1], [2], [3]]), "a": np.array([[1e-8, -0.1, 1 / 3]])}) == \
        "0\t|a 1e-08 -0.1 0.3333333333333333 |b 1\n0\t|b 2\n0\t|b 3"
    assert f(5, {"s": [{1: 2.5, 0: 1}, {3: 1}], "d": np.array([[7.0], [8.0]])}) == \
        "5\t|d 7.0 |s 0:1 1:2.5\n5\t|d 8.0 |s 3:1"
    assert f(5, {"m": np.array([[[1, 2], [3, 4]]])}) == "5\t|m 1 2 3 4"
    assert f(5, {"e": np.zeros((0, 3))}) == ""
    lines = [f(i, {"features": np.array([[i, 0.5, 2]]), "labels": [{i % 2: 1}]}) for i in range(3)]
    path = write(tmp_path, "\n".join(lines) + "\n")
    src = source(path, labels_sparse=True, randomize=False)
    mb = src.next_minibatch(3)
    np.testing.assert_array_equal(mb[src.streams.features].asarray(), [[0, 0.5, 2], [1, 0.5, 2], [2, 0.5, 2]])
    np.testing.assert_array_equal(mb[src.streams.labels].asarray(), [[1, 0], [0, 1], [1, 0]])
    with pytest.raises(ValueError, match="is not a CTF stream name"):
        f(0, {"a b": np.ones((1, 2))})
    with pytest.raises(ValueError, match="alias_tensor_map must be a dict"):
        f(0, {})


def test_device_places_the_data(tmp_path):
    src = source(five(tmp_path), randomize=False)
    cpu = src.next_minibatch(2, device=C.device.cpu())
    assert cpu[src.streams.features].data.device.type == "cpu"


@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="CUDA is not available")
def test_device_gpu(tmp_path):
    src = source(five(tmp_path), randomize=False)
    x = C.input_variable(3, name="x")
    mb = src.next_minibatch(2, input_map={x: src.streams.features}, device=C.device.gpu(0))
    assert mb[x].data.device.type == "cuda"
    np.testing.assert_array_equal(C.plus(x, 1).eval(mb, device=C.device.gpu(0)), [[2, 3, 4], [5, 6, 7]])
    d = io.MinibatchSourceFromData({"x": np.ones((3, 2), np.float32)})
    assert d.next_minibatch(2, device=C.device.gpu(0))[d.streams.x].data.device.type == "cuda"


class Counting(io.UserMinibatchSource):
    """A user-defined source: sample i is (i, 2i); 5 samples a sweep; checkpoints its position."""

    def __init__(self):
        super().__init__()
        self.fi = io.StreamInformation("f", 0, "dense", np.float32, (2,))
        self.pos = 0

    def stream_infos(self):
        return [self.fi]

    def next_minibatch(self, num_samples, number_of_workers, worker_rank, device=None):
        idx = (self.pos + np.arange(num_samples)) % 5
        end = bool(((self.pos % 5) + num_samples) >= 5)
        self.pos += num_samples
        data = np.stack([idx, 2 * idx], 1).astype(np.float32)
        return {self.fi: io.MinibatchData(data, num_samples, num_samples, end)}

    def get_checkpoint_state(self):
        return {"pos": self.pos}

    def restore_from_checkpoint(self, state):
        self.pos = state["pos"]


def test_user_minibatch_source():
    src = Counting()
    assert list(src.streams) == ["f"] and src.stream_info("f") is src.fi
    x = C.input_variable(2, name="x")
    mb = io._next_minibatch(src, 3, input_map={x: src.streams.f})
    np.testing.assert_array_equal(C.plus(x, 0).eval(mb), [[0, 0], [1, 2], [2, 4]])
    assert not mb[x].end_of_sweep
    state = src.get_checkpoint_state()
    mb = io._user_next_minibatch(src, 3, input_map={"x": "f"})
    assert mb["x"].end_of_sweep and mb["x"].asarray()[:, 0].tolist() == [3, 4, 0]
    src.restore_from_checkpoint(state)
    assert src.next_minibatch(1, 1, 0)[src.fi].asarray().tolist() == [[3, 6]]
    base = io.UserMinibatchSource()
    with pytest.raises(NotImplementedError, match="implements stream_infos"):
        base.streams
    with pytest.raises(NotImplementedError, match="implements next_minibatch"):
        base.next_minibatch(2, 1, 0)
    assert base.get_checkpoint_state() == {}
    with pytest.raises(NotImplementedError, match="restore_from_checkpoint"):
        base.restore_from_checkpoint({"a": 1})
    assert isinstance(io.MinibatchSourceFromData({"a": np.ones((2, 1))}), io.UserMinibatchSource)
