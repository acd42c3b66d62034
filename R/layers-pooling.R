#' Pooling layers
#'
#' Layer factories for max and average pooling, with CNTK 2.7's semantics.
#' `MaxPooling()` and `AveragePooling()` slide a window of `filter_shape`
#' over the last `length(filter_shape)` axes of each sample (earlier axes,
#' such as the channels, are pooled one by one); `GlobalMaxPooling()` and
#' `GlobalAveragePooling()` pool every axis but the first.
#'
#' The result is a layer: call it on an input Variable or a Function
#' (`f <- layer(x)`) to get a Function. Pooling layers have no parameters.
#'
#' @section Shape:
#' Shapes are in CNTK-Python order, channels first, without the batch axis.
#' For an input `c(lead, n_1, ..., n_r)` (with `length(filter_shape)` window axes) the
#' output is `c(lead, out_1, ..., out_r)`. With stride `s_i` and window `k_i`
#' (CNTK requires `k_i <= n_i`, padded or not):
#' - unpadded (`pad` `FALSE`): `out_i = floor((n_i - k_i) / s_i) + 1`;
#' - padded (`pad` `TRUE`): `out_i = ceiling(n_i / s_i)`, the windows centred
#'   over the input as CNTK does. Max pooling never picks the padding; average
#'   pooling leaves it out of the average.
#'
#' Global pooling: `c(C, n_1, ..., n_r)` gives `c(C, 1, ..., 1)`.
#'
#' At ties, the gradient of max pooling goes to the first maximal element of
#' each window, as in CNTK 2.7.
#'
#' @param filter_shape Window size, a vector of whole numbers `>= 1`, e.g.
#'   `c(2, 2)` (a single number is a 1-D window).
#' @param strides Stride, a whole number `>= 1` or one per window axis, e.g.
#'   `c(2, 2)`.
#' @param pad Whether to pad, `TRUE` or `FALSE`, or a logical vector with one
#'   value per window axis (see Shape).
#' @param name Name of the layer's Function, a string.
#'
#' @return A layer: a callable cntkr object. `layer(x)` returns a Function.
#' @seealso [op_pooling()], [Convolution()].
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(c(3, 8, 8))
#' f <- MaxPooling(c(3, 3), strides = 2, pad = TRUE)(x)
#' f$shape
#' g <- GlobalAveragePooling()(x)
#' g$shape
#' y <- func_eval(f, array(runif(2 * 3 * 8 * 8), c(2, 3, 8, 8)))
#' dim(y)
#' @name MaxPooling
NULL

#' @rdname MaxPooling
#' @export
MaxPooling <- function(filter_shape, strides = 1, pad = FALSE, name = "") {
  args <- pooling_args(filter_shape, strides, pad, name)
  do.call(cntk_call, c("layers.MaxPooling", given_options(args)))
}

#' @rdname MaxPooling
#' @export
AveragePooling <- function(filter_shape, strides = 1, pad = FALSE, name = "") {
  args <- pooling_args(filter_shape, strides, pad, name)
  do.call(cntk_call, c("layers.AveragePooling", given_options(args)))
}

#' @rdname MaxPooling
#' @export
GlobalMaxPooling <- function(name = "") {
  cntk_call("layers.GlobalMaxPooling", name = as_name(name))
}

#' @rdname MaxPooling
#' @export
GlobalAveragePooling <- function(name = "") {
  cntk_call("layers.GlobalAveragePooling", name = as_name(name))
}

#' Max unpooling layer
#'
#' The layer form of [op_unpooling()], as CNTK 2.7's `MaxUnpooling`: the
#' layer is applied to two inputs, `layer(x, pooling_input)`, and puts each
#' value of `x` where its window's maximum was in `pooling_input` (the first
#' one at ties; where windows overlap, the last window's value), zeros
#' elsewhere.
#'
#' @section Shape:
#' `x` has the shape `MaxPooling(filter_shape, strides, pad)` gives for
#' `pooling_input`; the output has `pooling_input`'s shape.
#'
#' @inheritParams MaxPooling
#' @return A layer: `layer(x, pooling_input)` returns a Function.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(c(2, 4, 4))
#' p <- MaxPooling(c(2, 2), strides = 2)(x)
#' u <- MaxUnpooling(c(2, 2), strides = 2)(p, x)
#' u$shape
#' @export
MaxUnpooling <- function(filter_shape, strides = 1, pad = FALSE, name = "") {
  args <- pooling_args(filter_shape, strides, pad, name)
  do.call(cntk_call, c("layers.MaxUnpooling", args))
}

# The validation shared by MaxPooling(), AveragePooling() and MaxUnpooling(): per-axis
# arguments have length 1 or length(filter_shape).
pooling_args <- function(filter_shape, strides, pad, name) {
  filter_shape <- normalize_shape(filter_shape, "filter_shape", allow_null = FALSE)
  lengths <- unique(c(1L, length(filter_shape)))
  list(
    filter_shape = filter_shape,
    strides = as_integer_tuple(strides, minimum = 1, lengths = lengths),
    pad = as_pad(pad, lengths = lengths),
    name = as_name(name)
  )
}
