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


def test_default_options_module_helpers_as_cntk():
    # measured in CNTK 2.7: is_default_override, get/set_global_option, get_default_override(None, ...)
    d = C.default_override_or(5)
    assert C.is_default_override(d) and not C.is_default_override(5)
    assert C.get_global_option("audit_option", 7) == 7
    C.set_global_option("audit_option", 8)
    assert C.get_global_option("audit_option", 7) == 8

    def g(a=C.default_override_or(5)):
        return C.get_default_override(g, a=a)
    assert g() == 5 and g(2) == 2
    with C.default_options_for(g, a=9):
        assert g() == 9
        assert C.get_default_override(None, a=d) == 9
    with pytest.raises(TypeError, match="1 keyword argument"):
        C.get_default_override(g, a=1, b=2)


def test_layers_module_has_cntks_default_option_helpers():
    # CNTK 2.7's cntk.layers has default_override_or, get_default_override, is_default_override
    for name in ("default_override_or", "get_default_override", "is_default_override"):
        assert getattr(C.layers, name) is getattr(C, name)


def test_uids_spelled_as_cntks():
    # CNTK 2.7: Input3, Parameter5, Constant7, Placeholder9, CompositeFunction11 (an op's Function)
    x, p, c, ph = C.input_variable(3), C.parameter(3), C.constant(1.0), C.placeholder()
    f = C.relu(x) + p
    for v, prefix in ((x, "Input"), (p, "Parameter"), (c, "Constant"), (ph, "Placeholder"),
                      (f, "CompositeFunction")):
        assert v.uid.startswith(prefix) and v.uid[len(prefix):].isdigit(), v.uid
    assert len({x.uid, p.uid, c.uid, ph.uid, f.uid}) == 5
