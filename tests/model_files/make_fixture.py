"""Writes tests/model_files/v1.cntkr and v1_io.npz: a model in format version 1 whose graph
reaches the ops with variants (TransposeAxes: transpose and swapaxes; Crop: crop_manual) and the
common layers, with values set from a counter, and an input with its output. The files are
committed: tests/test_model_file.py checks that files of this version keep loading.

    .venv/bin/python tests/model_files/make_fixture.py
"""
import pathlib

import numpy as np

import cntkr_py as C

HERE = pathlib.Path(__file__).parent


def build():
    x = C.input_variable((2, 6, 6), name="img")
    conv = C.layers.Convolution2D((3, 3), 3, activation=C.relu, pad=True, name="conv")(x)
    bn = C.layers.BatchNormalization(map_rank=1, name="bn")(conv)
    cropped = C.crop_manual(bn, C.slice(x, [1, 2], [0, 0], [4, 4]), 1, 1)
    t = C.swapaxes(C.transpose(cropped, (0, 2, 1)), 1, 2)
    pooled = C.layers.MaxPooling((2, 2), strides=2)(t)
    z = C.layers.Dense(4, activation=C.tanh, name="out")(pooled)
    for p in z.parameters + z.constants:  # constants: BatchNormalization's statistics, positive
        v = np.arange(int(np.prod(p.shape)), dtype=np.float64).reshape(p.shape) % 7 / 7
        p.value = (v + 0.5 if p.is_constant else v - 0.3).astype(p.value.dtype)
    return z


if __name__ == "__main__":
    z = build()
    xv = (np.arange(2 * 2 * 6 * 6) % 11 / 11).reshape(2, 2, 6, 6).astype(np.float32)
    z.save(str(HERE / "v1.cntkr"))
    np.savez(HERE / "v1_io.npz", x=xv, y=z.eval(xv))
