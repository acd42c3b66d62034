"""The benchmark cases, shared by every runner (cntkr_py, torch, CNTK 2.7, R).

Plain data and Python 3.6-compatible: bench_cntk.py imports this file inside the CNTK 2.7
reference environment, and run.py hands it to bench.R as JSON.

Each case: batch + input_shape (CNTK order, channels first, no batch axis), the
ConvolutionTranspose keyword arguments, and the equivalent torch ``F.conv_transpose{1,2,3}d``
arguments (stride, padding, output_padding) for the raw-torch baseline. A case with a "kind"
(the layer: "Dense") uses that layer with the "layer" arguments instead (torch: F.linear).
"""

CASES = [
    {"id": "dcgan_block", "label": "DCGAN block: 64x256x4x4, k5, 128 filters, s2, pad, out 8x8",
     "batch": 64, "input_shape": [256, 4, 4],
     "layer": {"filter_shape": [5, 5], "num_filters": 128, "strides": 2, "pad": True,
               "output_shape": [8, 8]},
     "torch": {"stride": 2, "padding": 2, "output_padding": 1}},
    {"id": "dcgan_last", "label": "DCGAN last: 64x64x16x16, k5, 3 filters, s2, pad, out 32x32",
     "batch": 64, "input_shape": [64, 16, 16],
     "layer": {"filter_shape": [5, 5], "num_filters": 3, "strides": 2, "pad": True,
               "output_shape": [32, 32]},
     "torch": {"stride": 2, "padding": 2, "output_padding": 1}},
    {"id": "small", "label": "small: 16x1x28x28, k3, 8 filters, s1, valid",
     "batch": 16, "input_shape": [1, 28, 28],
     "layer": {"filter_shape": [3, 3], "num_filters": 8, "strides": 1, "pad": False},
     "torch": {"stride": 1, "padding": 0, "output_padding": 0}},
    {"id": "conv1d", "label": "1D: 32x16x100, k4, 16 filters, s2, pad, out 200",
     "batch": 32, "input_shape": [16, 100],
     "layer": {"filter_shape": [4], "num_filters": 16, "strides": 2, "pad": True,
               "output_shape": [200]},
     "torch": {"stride": 2, "padding": 1, "output_padding": 0}},
    {"id": "conv3d", "label": "3D: 4x8x8x8x8, k3, 8 filters, s2, pad, out 16^3",
     "batch": 4, "input_shape": [8, 8, 8, 8],
     "layer": {"filter_shape": [3, 3, 3], "num_filters": 8, "strides": 2, "pad": True,
               "output_shape": [16, 16, 16]},
     "torch": {"stride": 2, "padding": 1, "output_padding": 1}},
    {"id": "dense", "kind": "Dense", "label": "Dense: 256x1024 -> 1024 (torch: F.linear)",
     "batch": 256, "input_shape": [1024], "layer": {"shape": 1024}},
    {"id": "conv2d", "kind": "Convolution2D",
     "label": "Convolution2D: 64x64x32x32, k3, 64 filters, pad (torch: F.conv2d)",
     "batch": 64, "input_shape": [64, 32, 32],
     "layer": {"filter_shape": [3, 3], "num_filters": 64, "pad": True},
     "torch": {"stride": 1, "padding": 1}},
    {"id": "maxpool", "kind": "MaxPooling",
     "label": "MaxPooling: 64x64x32x32, 2x2, stride 2 (torch: F.max_pool2d)",
     "batch": 64, "input_shape": [64, 32, 32], "layer": {"filter_shape": [2, 2], "strides": 2},
     "torch": {"kernel_size": 2, "stride": 2}},
    {"id": "tiny", "label": "tiny (per-call overhead): 1x1x2x2, k2, 1 filter",
     "batch": 1, "input_shape": [1, 2, 2],
     "layer": {"filter_shape": [2, 2], "num_filters": 1, "strides": 1, "pad": False},
     "torch": {"stride": 1, "padding": 0, "output_padding": 0}},
]

#: the memory experiment: DCGAN block, batch 256, these max_temp_mem_size_in_samples
MEMORY = {"case": "dcgan_block", "batch": 256, "settings": [0, 64, 16, 4]}

MODES = ["fwd", "fwdbwd"]   # forward; forward + backward w.r.t. input, W and b


def shrink(case, batch=2):
    """A tiny version of a case (same layer geometry, small batch) for the smoke test."""
    c = dict(case)
    c["batch"] = min(batch, case["batch"])
    return c


def kind(case):
    """The layer a case runs: "ConvolutionTranspose" unless the case names another."""
    return case.get("kind", "ConvolutionTranspose")


def by_id(case_id):
    for c in CASES:
        if c["id"] == case_id:
            return c
    raise KeyError(case_id)
