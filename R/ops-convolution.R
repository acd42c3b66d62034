#' Pooling type constants
#'
#' CNTK's pooling types, as CNTK-R exported them: `IO_MAX_POOLING` (0) and
#' `IO_AVG_POOLING` (1), the `pooling_type` of [op_pooling()] (Python's
#' `C.MAX_POOLING` and `C.AVG_POOLING`), and `IO_MAX_UNPOOLING` (0), the only
#' unpooling type ([op_unpooling()]).
#'
#' @format A whole number.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(c(1, 6))
#' op_pooling(x, IO_MAX_POOLING, 2, strides = 2)$shape
#' @name pooling_types
NULL

#' @rdname pooling_types
#' @export
IO_MAX_POOLING <- 0L

#' @rdname pooling_types
#' @export
IO_AVG_POOLING <- 1L

#' @rdname pooling_types
#' @export
IO_MAX_UNPOOLING <- 0L

#' Max unpooling
#'
#' The inverse of max pooling, as CNTK 2.7's `unpooling`: an output of
#' `pooling_input`'s shape, zero except where each window of the max pooling
#' of `pooling_input` (same window, strides and padding) had its maximum (the
#' first one at ties), which gets `operand`'s value for that window (where
#' windows overlap, the last window's). No gradient flows to `pooling_input`.
#'
#' @section Shape:
#' `operand` must have the shape max pooling `pooling_input` with these
#' options gives (see [op_pooling()]); the output has `pooling_input`'s shape.
#'
#' @param operand The values to place: a Variable or Function, shaped as the
#'   pooled `pooling_input`.
#' @param pooling_input The input of the max pooling: a Variable or Function.
#' @param unpooling_window_shape Window size, a vector of whole numbers `>= 1`.
#' @param strides Stride, a whole number `>= 1` or one per window axis.
#' @param auto_padding Whether the pooling was padded, `TRUE`/`FALSE` or one
#'   logical per window axis.
#' @param name Name of the Function, a string.
#' @return A Function.
#' @seealso [MaxUnpooling()], the layer form.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(c(1, 6))
#' p <- op_pooling(x, IO_MAX_POOLING, 2, strides = 2)
#' u <- op_unpooling(p, x, 2, strides = 2)
#' func_eval(u, array(c(1, 3, 2, 2, 5, 4), c(1, 1, 6)))
#' @export
op_unpooling <- function(operand, pooling_input, unpooling_window_shape,
                         strides = c(1), auto_padding = c(FALSE), name = "") {
  window <- normalize_shape(unpooling_window_shape, "unpooling_window_shape", allow_null = FALSE)
  lengths <- unique(c(1L, length(window)))
  cntk_call(
    "unpooling", as_operand(operand), as_operand(pooling_input),
    unpooling_type = IO_MAX_UNPOOLING,
    unpooling_window_shape = window,
    strides = as_integer_tuple(strides, minimum = 1, lengths = lengths),
    auto_padding = as_pad(auto_padding, lengths = lengths),
    name = as_name(name)
  )
}

#' Pooling
#'
#' Max or average pooling over windows of `pooling_window_shape` sliding over
#' the last `length(pooling_window_shape)` axes of each sample (earlier axes
#' are pooled one by one), as CNTK 2.7's `pooling`.
#'
#' @section Shape:
#' For an input `c(lead, n_1, ..., n_r)` the output is
#' `c(lead, out_1, ..., out_r)`; per window axis with window `k`, stride `s`
#' (CNTK requires `k <= n`):
#' - unpadded: `out = floor((n - k) / s) + 1` (`ceiling` with
#'   `ceil_out_dim = TRUE`; the extra window runs past the input);
#' - padded (`auto_padding` `TRUE`): `out = floor((n - 1) / s) + 1`
#'   (`ceiling` with `ceil_out_dim = TRUE`), windows centred over the input.
#'
#' Max pooling never picks padding; average pooling leaves it out of the
#' average unless `include_pad = TRUE` (then padding counts as zeros).
#'
#' @param operand The input: a Variable, Function or R array.
#' @param pooling_type [IO_MAX_POOLING] or [IO_AVG_POOLING].
#' @param pooling_window_shape Window size, a vector of whole numbers `>= 1`,
#'   e.g. `c(2, 2)`.
#' @param strides Stride, a whole number `>= 1` or one per window axis.
#' @param auto_padding Whether to pad, `TRUE`/`FALSE` or one logical per
#'   window axis.
#' @param ceil_out_dim Whether output lengths are rounded up (`TRUE`) or down
#'   (`FALSE`, the default).
#' @param include_pad Whether average pooling counts the padding as zeros in
#'   its average, `TRUE` or `FALSE`.
#' @param name Name of the Function, a string.
#' @return A Function.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(c(1, 7))
#' f <- op_pooling(x, IO_AVG_POOLING, 3, strides = 2, auto_padding = TRUE)
#' func_eval(f, array(1:7, c(1, 1, 7)))
#' @export
op_pooling <- function(operand, pooling_type, pooling_window_shape,
                       strides = c(1), auto_padding = c(FALSE),
                       ceil_out_dim = FALSE, include_pad = FALSE, name = "") {
  window <- normalize_shape(pooling_window_shape, "pooling_window_shape", allow_null = FALSE)
  lengths <- unique(c(1L, length(window)))
  cntk_call(
    "pooling", as_operand(operand),
    pooling_type = as_integer(pooling_type, minimum = 0),
    pooling_window_shape = window,
    strides = as_integer_tuple(strides, minimum = 1, lengths = lengths),
    auto_padding = as_pad(auto_padding, lengths = lengths),
    ceil_out_dim = as_flag(ceil_out_dim),
    include_pad = as_flag(include_pad),
    name = as_name(name)
  )
}

#' Convolution and transposed convolution ops
#'
#' `op_convolution()` convolves `operand` with the kernel `convolution_map`
#' (correlation, as in CNTK: the kernel is not flipped);
#' `op_convolution_transpose()` is its transpose ("deconvolution"), as CNTK
#' 2.7's `convolution` and `convolution_transpose`.
#'
#' @section Shape:
#' Shapes are in CNTK-Python order, channels first, without the batch axis.
#' `strides`, `sharing` and `auto_padding` name every axis of `operand`, the
#' channel axis first; with fewer values the first one is repeated to the
#' left, as CNTK does (`auto_padding = c(FALSE, TRUE)` on a `c(2, 5, 6)` operand
#' is `c(FALSE, FALSE, TRUE)`).
#' - `op_convolution()`: `convolution_map` is
#'   `c(num_filters, in_depth, k_1, ..., k_r)` (or `c(in_depth, k_1, ..., k_r)`:
#'   one filter, output depth 1) and `operand` `c(in_depth, n_1, ..., n_r)`;
#'   the output is `c(num_filters, out_1, ..., out_r)` with
#'   `out_i = floor((n_i - k_i) / s_i) + 1` unpadded and `ceiling(n_i / s_i)`
#'   padded. The channel axis cannot be padded (CNTK 2.7 fails at eval there,
#'   and the default `auto_padding = c(TRUE)` pads it): pass e.g.
#'   `auto_padding = c(FALSE, TRUE, TRUE)`.
#' - `op_convolution_transpose()`: `convolution_map` is
#'   `c(in_depth, num_filters, k_1, ..., k_r)`; the output is
#'   `c(num_filters, out_1, ..., out_r)` with `out_i = (n_i - 1) * s_i + 1`
#'   padded and `(n_i - 1) * s_i + k_i` unpadded, unless `output_shape` (the
#'   whole output shape, `num_filters` first) picks another admissible size.
#'
#' @param convolution_map The kernel: a Parameter, Constant, Variable or R
#'   array (see Shape).
#' @param operand The input: a Variable, Function or R array.
#' @param strides Stride, a whole number `>= 1` or one per operand axis (see
#'   Shape).
#' @param sharing Must be `TRUE` (or `TRUE`s): CNTK 2.7 has no unshared
#'   weights.
#' @param auto_padding Whether to pad, `TRUE`/`FALSE` or one logical per
#'   operand axis (see Shape).
#' @param output_shape `NULL`, or the whole output shape, e.g.
#'   `c(4, 10, 12)`.
#' @param max_temp_mem_size_in_samples Largest number of samples computed at
#'   once, a whole number `>= 0`; `0` means no limit. Results are identical.
#' @param name Name of the Function, a string.
#' @return A Function.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(c(2, 5, 6))
#' W <- op_parameter(c(4, 2, 3, 3), init = 0.1)
#' op_convolution(W, x, strides = c(1, 2, 2), auto_padding = c(FALSE, TRUE, TRUE))$shape
#' Wt <- op_parameter(c(2, 4, 3, 3), init = 0.1)
#' op_convolution_transpose(Wt, x, strides = c(1, 2, 2),
#'                          auto_padding = c(FALSE, TRUE, TRUE),
#'                          output_shape = c(4, 10, 12))$shape
#' @name op_convolution
NULL

#' @rdname op_convolution
#' @export
op_convolution <- function(convolution_map, operand, strides = c(1),
                           sharing = c(TRUE), auto_padding = c(TRUE),
                           max_temp_mem_size_in_samples = 0, name = "") {
  cntk_call(
    "convolution", as_operand(convolution_map), as_operand(operand),
    strides = as_axes_integers(strides, "strides"),
    sharing = as_axes_flags(sharing, "sharing"),
    auto_padding = as_axes_flags(auto_padding, "auto_padding"),
    max_temp_mem_size_in_samples = as_integer(max_temp_mem_size_in_samples, minimum = 0),
    name = as_name(name)
  )
}

#' @rdname op_convolution
#' @export
op_convolution_transpose <- function(convolution_map, operand, strides = c(1),
                                     sharing = c(TRUE), auto_padding = c(TRUE),
                                     output_shape = NULL,
                                     max_temp_mem_size_in_samples = 0, name = "") {
  cntk_call(
    "convolution_transpose", as_operand(convolution_map), as_operand(operand),
    strides = as_axes_integers(strides, "strides"),
    sharing = as_axes_flags(sharing, "sharing"),
    auto_padding = as_axes_flags(auto_padding, "auto_padding"),
    output_shape = normalize_shape(output_shape, "output_shape"),
    max_temp_mem_size_in_samples = as_integer(max_temp_mem_size_in_samples, minimum = 0),
    name = as_name(name)
  )
}

# Per-operand-axis arguments of the bare convolution ops: always a tuple (one
# value is CNTK's c(1): repeated over the axes).
as_axes_integers <- function(x, arg) {
  check_integers(flatten_scalars(x), arg, minimum = 1)
  tuple(as.list(as.integer(flatten_scalars(x))))
}

as_axes_flags <- function(x, arg) {
  x <- as_pad(x, arg)
  if (is_py(x)) x else tuple(list(x))
}
