"""Golden family "ops/convolution": CNTK 2.7's bare convolution, convolution_transpose and pooling
ops (C.convolution(W, x, ...), C.convolution_transpose(W, x, ...), C.pooling(x, type, window, ...)),
forward and gradients w.r.t. the operand and the convolution map.

The cases cover CNTK's per-axis arguments over every operand axis (the depth axis first; fewer
values extended to the left), one-filter and depth-less maps, groups, output_shape as the whole
output shape, and pooling's ceil_out_dim / include_pad with padded and unpadded windows ("ints"
values give max pooling ties). Case format: tools/goldens/_ops.py and tests/goldens/FORMAT.md.
"""
from . import register
from ._ops import OpCases, OpFamily, operand

MAX, AVG = 0, 1


def W(shape):
    return operand("W", "parameter", shape)


def X(shape, values=None):
    return operand("x", "input", shape, values)


def specs():
    cs = OpCases()
    conv = lambda cid, w, x, batch=2, dtype="float32", **kw: cs.add(
        "convolution_" + cid, "grid", "convolution", [W(w), X(x)], kwargs=kw, batch=batch, dtype=dtype)
    conv("2d_pad_s2", [4, 2, 3, 3], [2, 5, 6], auto_padding=[False, True, True], strides=[1, 2, 2])
    conv("2d_valid", [4, 2, 3, 3], [2, 5, 6], auto_padding=[False])
    conv("2d_left_extended", [4, 2, 3, 3], [2, 5, 6], auto_padding=[False, True], strides=[2, 1])
    conv("2d_even_pad", [3, 2, 2, 4], [2, 6, 7], auto_padding=[False, True, True], strides=[1, 2, 3])
    conv("1d_pad_s3", [2, 3, 3], [3, 8], auto_padding=[False, True], strides=3)
    conv("one_map", [2, 3, 3], [2, 5, 6], auto_padding=[False])
    # (reduction_rank, groups and dilation, which CNTK-R's op_convolution lacks, are checked in
    # Python against torch: tests/test_convolution_pooling.py)
    conv("3d", [2, 2, 2, 2, 2], [2, 3, 4, 4], auto_padding=[False, True, True, True])
    conv("f64_2d_pad", [3, 2, 3, 3], [2, 4, 5], dtype="float64", auto_padding=[False, True, True])
    cs.add("convolution_err_depth_padded", "error", "convolution", [W([4, 2, 3, 3]), X([2, 5, 6])],
           expect_error=True)  # the default auto_padding=[True] pads the depth axis

    convt = lambda cid, w, x, batch=2, dtype="float32", **kw: cs.add(
        "convolution_transpose_" + cid, "grid", "convolution_transpose", [W(w), X(x)], kwargs=kw,
        batch=batch, dtype=dtype)
    convt("default", [2, 4, 3, 3], [2, 5, 6])
    convt("valid_s2", [2, 4, 3, 3], [2, 5, 6], strides=2, auto_padding=[False])
    convt("output_shape", [2, 4, 3, 3], [2, 5, 6], strides=[1, 2, 2], auto_padding=[False, True, True],
          output_shape=[4, 10, 12])
    convt("1d_pad_s2", [3, 2, 4], [3, 5], strides=2, auto_padding=[False, True])
    convt("f64", [2, 3, 2, 2], [2, 3, 3], dtype="float64", auto_padding=[False])
    cs.add("convolution_transpose_err_spatial_output_shape", "error", "convolution_transpose",
           [W([2, 4, 3, 3]), X([2, 5, 6])], kwargs=dict(strides=[1, 2, 2], auto_padding=[False, True, True],
                                                       output_shape=[10, 12]), expect_error=True)

    pool = lambda cid, x, values=None, batch=2, dtype="float32", **kw: cs.add(
        "pooling_" + cid, "grid", "pooling", [X(x, values)], kwargs=kw, batch=batch, dtype=dtype)
    # (padded windows with ceil_out_dim on 2-D inputs: CNTK 2.7's CPU engine returns garbage
    # (max) or corrupts memory in the backward (average); see tests/test_convolution_pooling.py)
    pool("avg_pad_include", [2, 6, 7], pooling_type=AVG, pooling_window_shape=[3, 3], strides=[2, 2],
         auto_padding=[True], include_pad=True)
    pool("avg_ceil_include", [2, 7, 7], pooling_type=AVG, pooling_window_shape=[2, 2], strides=[2, 2],
         ceil_out_dim=True, include_pad=True)
    pool("avg_ceil", [2, 7, 7], pooling_type=AVG, pooling_window_shape=[2, 2], strides=[2, 2],
         ceil_out_dim=True)
    pool("max_ceil", [2, 7, 7], pooling_type=MAX, pooling_window_shape=[2, 2], strides=[2, 2],
         ceil_out_dim=True)
    pool("max_ties", [2, 5, 5], "ints", pooling_type=MAX, pooling_window_shape=[2, 2])
    pool("avg_1d_leading_axes", [2, 3, 6], pooling_type=AVG, pooling_window_shape=[2], strides=[2],
         auto_padding=[True])
    pool("max_3d", [2, 4, 4, 4], pooling_type=MAX, pooling_window_shape=[2, 2, 2], strides=[2, 2, 2])
    pool("avg_f64_pad_even", [2, 6, 5], dtype="float64", pooling_type=AVG, pooling_window_shape=[4, 2],
         strides=[3, 2], auto_padding=[True, False])
    return cs


register(OpFamily("ops/convolution", specs))
