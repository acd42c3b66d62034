#' Transposed convolution layers
#'
#' Layer factories for transposed convolution ("deconvolution"), with CNTK
#' 2.7's semantics. `ConvolutionTranspose()` takes the rank from
#' `filter_shape`; `ConvolutionTranspose1D()`, `ConvolutionTranspose2D()` and
#' `ConvolutionTranspose3D()` fix it to 1, 2 or 3 (a single number in
#' `filter_shape` is then used on every axis).
#'
#' The result is a layer: call it on an input Variable or a Function
#' (`f <- layer(x)`) to get a Function. Its parameters, `layer$W` and
#' `layer$b`, are created at that first call, when the input depth is known.
#'
#' @section Shape:
#' Shapes are in CNTK-Python order, channels first, without the batch axis.
#' - Input: `c(in_depth, n_1, ..., n_r)` with `reduction_rank = 1`, or
#'   `c(n_1, ..., n_r)` with `reduction_rank = 0`.
#' - Output: `c(num_filters, out_1, ..., out_r)`. With `num_filters = NULL`
#'   the output keeps a depth axis of size 1, `c(1, out_1, ..., out_r)`, as in
#'   CNTK 2.7 (its `num_filters=()`); this works for inputs of depth 1 (or
#'   `reduction_rank = 0`) only.
#'
#' With stride `s_i` and kernel size `k_i` on axis `i`, unless `output_shape`
#' gives it, the output length is
#' - `out_i = (n_i - 1) * s_i + 1` on a padded axis (`pad` `TRUE`), and
#' - `out_i = (n_i - 1) * s_i + k_i` on an unpadded axis (`pad` `FALSE`).
#'
#' With `s_i > 1` several output lengths map back to the same input length;
#' `output_shape` picks one of them, and a length no convolution with the same
#' settings maps back to `n_i` is rejected with the admissible lengths.
#'
#' @section Attributes:
#' - `W`: the kernel, shape `c(in_depth, num_filters, filter_shape)`
#'   (`in_depth` is 1 with `reduction_rank = 0`; `num_filters` is left out
#'   when `NULL`), applied unflipped like `torch.nn.functional.conv_transpose`.
#' - `b`: the bias, shape `c(num_filters, 1, ..., 1)` (one `1` per spatial
#'   axis; only the `1`s when `num_filters = NULL`), present when
#'   `bias = TRUE`.
#'
#' Read them with `layer$W$value` (an R array) and set them with
#' `layer$W$value <- array(...)` (the shape is checked).
#'
#' @param filter_shape Kernel size, a whole number or a vector of whole numbers
#'   `>= 1`, one per spatial axis, e.g. `c(5, 5)`.
#' @param num_filters Number of output channels, a whole number `>= 1`, or
#'   `NULL` (or `integer(0)`) for a kernel without a filter axis; the output
#'   then has one channel (see Shape).
#' @param activation Function applied to the output: a cntkr activation such as
#'   [op_relu] or [activation_identity] (the default), or an R function of one
#'   argument built from cntkr ops, e.g. `function(x) op_leaky_relu(x)`.
#' @param init Initial value of `W`: an initializer such as
#'   [init_glorot_uniform()] (the default), an R array of `W`'s shape, or a
#'   number (every weight set to it).
#' @param pad Whether to pad, `TRUE` or `FALSE`, or a logical vector with one
#'   value per spatial axis, e.g. `c(TRUE, FALSE)`. A padded axis keeps the
#'   "same" size rule (see Shape).
#' @param strides Stride, a whole number `>= 1` or one per spatial axis, e.g.
#'   `c(2, 2)`.
#' @param sharing Whether weights are shared across positions: `TRUE` (the only
#'   value CNTK supports), or one logical per spatial axis.
#' @param bias Whether the layer has a bias `b`, `TRUE` or `FALSE`.
#' @param init_bias Initial value of every element of `b`, a number.
#' @param output_shape Spatial output size, `NULL` (the size rule in Shape), a
#'   whole number, or one per spatial axis, e.g. `c(28, 28)`.
#' @param max_temp_mem_size_in_samples Largest number of samples processed at
#'   once, a whole number `>= 0`; `0` means no limit. Results are identical.
#' @param reduction_rank `1` if the input has a channel axis (the default), `0`
#'   if it has none.
#' @param name Name of the layer's Function, a string.
#'
#' @return A layer: a callable cntkr object. `layer(x)` returns a Function.
#' @seealso [op_input_variable()], [func_eval()], [func_grad()].
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(c(8, 7, 7))
#' layer <- ConvolutionTranspose(c(5, 5), num_filters = 4, pad = TRUE,
#'                               strides = c(2, 2), output_shape = c(14, 14))
#' f <- layer(x)
#' f$shape
#' dim(layer$W$value)
#' y <- func_eval(f, array(runif(2 * 8 * 7 * 7), c(2, 8, 7, 7)))
#' dim(y)
#'
#' # A layer with an R activation, a constant init and a 1-D kernel:
#' z <- op_input_variable(c(2, 10))
#' up <- ConvolutionTranspose1D(3, num_filters = 1, init = 0.5,
#'                              activation = function(v) op_leaky_relu(v))
#' up(z)$shape
#' @name ConvolutionTranspose
NULL

#' @rdname ConvolutionTranspose
#' @export
ConvolutionTranspose <- function(filter_shape, num_filters = NULL,
                                 activation = activation_identity,
                                 init = init_glorot_uniform(), pad = FALSE,
                                 strides = 1, sharing = TRUE, bias = TRUE,
                                 init_bias = 0, output_shape = NULL,
                                 max_temp_mem_size_in_samples = 0,
                                 reduction_rank = 1, name = "") {
  filter_shape <- flatten_scalars(filter_shape)
  check_integers(filter_shape, "filter_shape", minimum = 1)
  rank <- length(filter_shape)
  args <- conv_transpose_args(
    rank, filter_shape, num_filters, activation, init, pad, strides, bias,
    init_bias, output_shape, name
  )
  args$sharing <- as_pad(sharing, "sharing", lengths = c(1, rank))
  args$max_temp_mem_size_in_samples <- as_integer(max_temp_mem_size_in_samples, minimum = 0)
  args$reduction_rank <- as_reduction_rank(reduction_rank)
  do.call(cntk_call, c("layers.ConvolutionTranspose", given_options(args)))
}

#' @rdname ConvolutionTranspose
#' @export
ConvolutionTranspose1D <- function(filter_shape, num_filters = NULL,
                                   activation = activation_identity,
                                   init = init_glorot_uniform(), pad = FALSE,
                                   strides = 1, bias = TRUE, init_bias = 0,
                                   output_shape = NULL, name = "") {
  args <- conv_transpose_args(
    1L, filter_shape, num_filters, activation, init, pad, strides, bias,
    init_bias, output_shape, name
  )
  do.call(cntk_call, c("layers.ConvolutionTranspose1D", given_options(args)))
}

#' @rdname ConvolutionTranspose
#' @export
ConvolutionTranspose2D <- function(filter_shape, num_filters = NULL,
                                   activation = activation_identity,
                                   init = init_glorot_uniform(), pad = FALSE,
                                   strides = 1, bias = TRUE, init_bias = 0,
                                   output_shape = NULL, name = "") {
  args <- conv_transpose_args(
    2L, filter_shape, num_filters, activation, init, pad, strides, bias,
    init_bias, output_shape, name
  )
  do.call(cntk_call, c("layers.ConvolutionTranspose2D", given_options(args)))
}

#' @rdname ConvolutionTranspose
#' @export
ConvolutionTranspose3D <- function(filter_shape, num_filters = NULL,
                                   activation = activation_identity,
                                   init = init_glorot_uniform(), pad = FALSE,
                                   strides = 1, bias = TRUE, init_bias = 0,
                                   output_shape = NULL, name = "") {
  args <- conv_transpose_args(
    3L, filter_shape, num_filters, activation, init, pad, strides, bias,
    init_bias, output_shape, name
  )
  do.call(cntk_call, c("layers.ConvolutionTranspose3D", given_options(args)))
}

# The validation shared by the four factories (torch's _ConvTransposeNd):
# `rank` is the number of spatial axes; per-axis arguments have length 1 or
# `rank`.
conv_transpose_args <- function(rank, filter_shape, num_filters, activation,
                                init, pad, strides, bias, init_bias,
                                output_shape, name) {
  lengths <- unique(c(1L, rank))
  list(
    filter_shape = as_integer_tuple(filter_shape, minimum = 1, lengths = lengths),
    num_filters = if (length(num_filters) > 0 || !(is.numeric(num_filters) || is.list(num_filters))) {
      as_integer_tuple(num_filters, minimum = 1)
    },
    activation = as_activation(activation),
    init = as_init(init),
    pad = as_pad(pad, lengths = lengths),
    strides = as_integer_tuple(strides, minimum = 1, lengths = lengths),
    bias = as_flag(bias),
    init_bias = as_number(init_bias),
    output_shape = as_integer_tuple(output_shape, minimum = 1, lengths = lengths),
    name = as_name(name)
  )
}

as_reduction_rank <- function(reduction_rank) {
  value <- as_integer(reduction_rank, "reduction_rank", minimum = 0)
  if (value > 1L) {
    value_error("`reduction_rank` must be 0 or 1, not ", describe_value(reduction_rank), ".")
  }
  value
}

#' Convolution layers
#'
#' Layer factories for convolution (correlation, as in CNTK: the kernel is not
#' flipped), with CNTK 2.7's semantics. `Convolution()` takes the rank from
#' `filter_shape`; `Convolution1D()`, `Convolution2D()` and `Convolution3D()`
#' fix it to 1, 2 or 3 (a single number in `filter_shape` is then used on
#' every axis).
#'
#' The result is a layer: call it on an input Variable or a Function
#' (`f <- layer(x)`) to get a Function. Its parameters, `layer$W` and
#' `layer$b`, are created at that first call, when the input depth is known.
#'
#' @section Shape:
#' Shapes are in CNTK-Python order, channels first, without the batch axis.
#' - Input: `c(in_depth, n_1, ..., n_r)` with `reduction_rank = 1`, or
#'   `c(n_1, ..., n_r)` with `reduction_rank = 0`; `r` is
#'   `length(filter_shape)`.
#' - Output: `c(num_filters, out_1, ..., out_r)`, or `c(out_1, ..., out_r)`
#'   with `num_filters = NULL`.
#'
#' With stride `s_i` and kernel size `k_i` on axis `i` (CNTK requires
#' `k_i <= n_i`, padded or not):
#' - unpadded (`pad` `FALSE`): `out_i = floor((n_i - k_i) / s_i) + 1`;
#' - padded (`pad` `TRUE`): `out_i = ceiling(n_i / s_i)`, the windows centred
#'   over the input as CNTK does (lower padding `(k_i - 1) %/% 2`, less half
#'   of what the strides leave over at the end), zeros outside the input.
#'
#' @section Attributes:
#' - `W`: the kernel, shape `c(num_filters, in_depth, filter_shape)`
#'   (`in_depth` is 1 with `reduction_rank = 0`, `num_filters` is 1 when
#'   `NULL`).
#' - `b`: the bias, shape `c(num_filters, 1, ..., 1)` (one `1` per spatial
#'   axis), present when `bias = TRUE`.
#'
#' Read them with `layer$W$value` (an R array) and set them with
#' `layer$W$value <- array(...)` (the shape is checked).
#'
#' @param filter_shape Kernel size, a whole number or a vector of whole numbers
#'   `>= 1`, one per spatial axis, e.g. `c(3, 3)`.
#' @param num_filters Number of output channels, a whole number `>= 1`, or
#'   `NULL` (or `integer(0)`) for scalar output items (no depth axis).
#' @param sequential Must be `FALSE`: cntkr has no sequence axes to convolve
#'   over.
#' @param activation Function applied to the output: a cntkr activation such as
#'   [op_relu] or [activation_identity] (the default), or an R function of one
#'   argument built from cntkr ops.
#' @param init Initial value of `W`: an initializer such as
#'   [init_glorot_uniform()] (the default), an R array of `W`'s shape, or a
#'   number.
#' @param pad Whether to pad, `TRUE` or `FALSE`, or a logical vector with one
#'   value per spatial axis, e.g. `c(TRUE, FALSE)` (see Shape).
#' @param strides Stride, a whole number `>= 1` or one per spatial axis, e.g.
#'   `c(2, 2)`.
#' @param sharing Must be `TRUE` (or a vector of `TRUE`s): CNTK 2.7 has no
#'   unshared weights.
#' @param bias Whether the layer has a bias `b`, `TRUE` or `FALSE`.
#' @param init_bias Initial value of every element of `b`, a number.
#' @param reduction_rank `1` if the input has a channel axis (the default), `0`
#'   if it has none.
#' @param transpose_weight Must be `FALSE` (CNTK 2.7 does not implement
#'   `TRUE`).
#' @param max_temp_mem_size_in_samples Largest number of samples convolved at
#'   once, a whole number `>= 0`; `0` means no limit. Results are identical.
#' @param op_name Name of the operation, a string (CNTK's `"Convolution"`).
#' @param name Name of the layer's Function, a string.
#'
#' @return A layer: a callable cntkr object. `layer(x)` returns a Function.
#' @seealso [MaxPooling()], [ConvolutionTranspose()], [func_eval()].
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(c(3, 8, 8))
#' layer <- Convolution2D(c(3, 3), num_filters = 4, pad = TRUE, strides = 2,
#'                        activation = op_relu)
#' f <- layer(x)
#' f$shape
#' dim(layer$W$value)
#' y <- func_eval(f, array(runif(2 * 3 * 8 * 8), c(2, 3, 8, 8)))
#' dim(y)
#' @name Convolution
NULL

#' @rdname Convolution
#' @export
Convolution <- function(filter_shape, num_filters = NULL, sequential = FALSE,
                        activation = activation_identity,
                        init = init_glorot_uniform(), pad = FALSE, strides = 1,
                        sharing = TRUE, bias = TRUE, init_bias = 0,
                        reduction_rank = 1, transpose_weight = FALSE,
                        max_temp_mem_size_in_samples = 0,
                        op_name = "Convolution", name = "") {
  filter_shape <- flatten_scalars(filter_shape)
  check_integers(filter_shape, "filter_shape", minimum = 1)
  rank <- length(filter_shape)
  args <- conv_args(rank, filter_shape, num_filters, activation, init, pad,
                    strides, bias, init_bias, reduction_rank, name)
  args$sequential <- as_flag(sequential)
  args$sharing <- as_pad(sharing, "sharing", lengths = c(1, rank))
  args$transpose_weight <- as_flag(transpose_weight)
  args$max_temp_mem_size_in_samples <- as_integer(max_temp_mem_size_in_samples, minimum = 0)
  args$op_name <- as_name(op_name)
  do.call(cntk_call, c("layers.Convolution", given_options(args)))
}

#' @rdname Convolution
#' @export
Convolution1D <- function(filter_shape, num_filters = NULL,
                          activation = activation_identity,
                          init = init_glorot_uniform(), pad = FALSE,
                          strides = 1, bias = TRUE, init_bias = 0,
                          reduction_rank = 1, name = "") {
  args <- conv_args(1L, filter_shape, num_filters, activation, init, pad,
                    strides, bias, init_bias, reduction_rank, name)
  do.call(cntk_call, c("layers.Convolution1D", given_options(args)))
}

#' @rdname Convolution
#' @export
Convolution2D <- function(filter_shape, num_filters = NULL,
                          activation = activation_identity,
                          init = init_glorot_uniform(), pad = FALSE,
                          strides = 1, bias = TRUE, init_bias = 0,
                          reduction_rank = 1, name = "") {
  args <- conv_args(2L, filter_shape, num_filters, activation, init, pad,
                    strides, bias, init_bias, reduction_rank, name)
  do.call(cntk_call, c("layers.Convolution2D", given_options(args)))
}

#' @rdname Convolution
#' @export
Convolution3D <- function(filter_shape, num_filters = NULL,
                          activation = activation_identity,
                          init = init_glorot_uniform(), pad = FALSE,
                          strides = 1, bias = TRUE, init_bias = 0,
                          reduction_rank = 1, name = "") {
  args <- conv_args(3L, filter_shape, num_filters, activation, init, pad,
                    strides, bias, init_bias, reduction_rank, name)
  do.call(cntk_call, c("layers.Convolution3D", given_options(args)))
}

# The validation shared by the four Convolution factories: `rank` is the
# number of spatial axes; per-axis arguments have length 1 or `rank`.
conv_args <- function(rank, filter_shape, num_filters, activation, init, pad,
                      strides, bias, init_bias, reduction_rank, name) {
  args <- conv_transpose_args(rank, filter_shape, num_filters, activation, init,
                              pad, strides, bias, init_bias, NULL, name)
  args$output_shape <- NULL
  args$reduction_rank <- as_reduction_rank(reduction_rank)
  args
}
