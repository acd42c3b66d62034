#' Pooling type constants
#'
#' CNTK's pooling types, as CNTK-R exported them: `IO_MAX_POOLING` (0) and
#' `IO_AVG_POOLING` (1), the `pooling_type` of [op_pooling()] (Python's
#' `C.MAX_POOLING` and `C.AVG_POOLING`).
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
