"""The private torch entry points cntkr uses, in one place, each with a plain-torch fallback.

They save per-call microseconds on small graphs (argument checks and context-manager frames of the
public API) or reach a kernel option the public API sets only globally. If a torch upgrade removes
or changes one, cntkr keeps working on the public fallback, and ``tests/test_torch_private.py``
fails loudly (it checks that each private entry point is present and agrees with its fallback).

:data:`IN_USE` says which private entry points this torch has.
"""
from __future__ import annotations

import torch

__all__ = ["IN_USE", "set_grad_enabled", "run_backward", "mkldnn_enabled", "set_mkldnn_enabled",
           "convolution_backward", "momentum_step"]

_C = torch._C
_set_grad = getattr(_C, "_set_grad_enabled", None)
_engine = getattr(getattr(torch.autograd, "Variable", None), "_execution_engine", None)
_get_mkldnn = getattr(_C, "_get_mkldnn_enabled", None)
_set_mkldnn = getattr(_C, "_set_mkldnn_enabled", None)
_conv_backward = getattr(getattr(torch.ops, "aten", None), "convolution_backward", None)
_fused_sgd = getattr(torch, "_fused_sgd_", None)

#: {entry point: whether this torch has it}
IN_USE = {
    "torch._C._set_grad_enabled": _set_grad is not None,
    "torch.autograd.Variable._execution_engine.run_backward": _engine is not None,
    "torch._C._get_mkldnn_enabled / _set_mkldnn_enabled": _get_mkldnn is not None
    and _set_mkldnn is not None,
    "torch.ops.aten.convolution_backward": _conv_backward is not None,
    "torch._fused_sgd_": _fused_sgd is not None,
}


def set_grad_enabled(mode: bool) -> None:
    """Switch autograd recording on or off for this thread (no context-manager object)."""
    if _set_grad is not None:
        _set_grad(mode)
    else:
        torch.set_grad_enabled(mode)  # sets the mode when constructed


def run_backward(root, targets, grad_root):
    """``torch.autograd.grad(root, targets, grad_root, allow_unused=True)``: the engine called
    directly where torch exposes it (the public wrapper's checks cost ~10 µs a call; here there is
    one root and its gradient has its shape by construction)."""
    if _engine is not None:
        try:
            return _engine.run_backward((root,), (grad_root,), False, False, tuple(targets),
                                        True, False)
        except TypeError:  # an engine with another signature: the public path below
            pass
    return torch.autograd.grad(root, targets, grad_root, allow_unused=True)


def mkldnn_enabled() -> bool:
    """Whether torch may use oneDNN (mkldnn) kernels on the CPU."""
    if _get_mkldnn is not None:
        return _get_mkldnn()
    return bool(torch.backends.mkldnn.enabled)


def set_mkldnn_enabled(flag: bool) -> None:
    if _set_mkldnn is not None:
        _set_mkldnn(flag)
    else:
        torch.backends.mkldnn.enabled = flag


def convolution_backward(grad_output, input, weight, bias_sizes, stride, padding, dilation,
                         transposed, output_padding, groups, output_mask):
    """(grad_input, grad_weight, grad_bias) of ``aten.convolution`` (each None unless asked for in
    `output_mask`); the fallback recomputes the convolution under autograd."""
    if _conv_backward is not None:
        return _conv_backward(grad_output, input, weight, bias_sizes, list(stride), list(padding),
                              list(dilation), transposed, list(output_padding), groups,
                              list(output_mask))
    with torch.enable_grad():
        x = input.detach().requires_grad_(output_mask[0])
        w = weight.detach().requires_grad_(output_mask[1])
        b = None
        if bias_sizes is not None:
            b = weight.new_zeros(bias_sizes).requires_grad_(output_mask[2])
        y = torch.convolution(x, w, b, list(stride), list(padding), list(dilation), transposed,
                              list(output_padding), groups)
        leaves = [t for t, m in zip((x, w, b), output_mask) if m and t is not None]
        grads = iter(torch.autograd.grad(y, leaves, grad_output)) if leaves else iter(())
    return tuple(next(grads) if m and t is not None else None
                 for t, m in zip((x, w, b), output_mask))


def momentum_step(params, grads, bufs, momentum: float, step: float, fused: bool = True) -> None:
    """CNTK's momentum update of lists of tensors, in place: ``v = momentum * v + step * g;
    w -= v``. torch's fused SGD kernel does it in one pass per tensor (with lr 1 and dampening
    ``1 - step``); the fallback (or ``fused=False``) in three _foreach passes."""
    if fused and _fused_sgd is not None and momentum > 0 and step > 1e-12 and \
            all(t.is_contiguous() for t in params) and all(t.is_contiguous() for t in bufs):
        _fused_sgd(params, [g.contiguous() for g in grads], bufs, weight_decay=0.0, momentum=momentum, lr=1.0,
                   dampening=1.0 - step, nesterov=False, maximize=False, is_first_step=False)
        return
    torch._foreach_mul_(bufs, momentum)
    torch._foreach_add_(bufs, grads, alpha=step)
    torch._foreach_sub_(params, bufs)
