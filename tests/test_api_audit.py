"""Items of issue 11's Function API checked by the coverage audit (docs/cntk-semantics.md,
"Coverage of the op and layer library"): CNTK 2.7's module paths and Axis as measured there."""
import importlib

import pytest

import cntkr_py as C


@pytest.mark.parametrize("module", ["axis", "variables", "ops", "ops.functions", "layers", "layers.layers",
                                    "layers.blocks", "layers.higher_order_layers", "default_options",
                                    "initializer", "device"])
def test_cntk_module_paths_import(module):
    importlib.import_module("cntkr_py." + module)


def test_axis_from_its_cntk_module():
    from cntkr_py.axis import Axis
    assert Axis is C.Axis
    assert repr(Axis.all_static_axes()) == "Axis('AllStaticAxes')"
    assert repr(Axis.default_batch_axis()) == "Axis('defaultBatchAxis')"
