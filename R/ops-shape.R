# Shape ops (cntkr_py/ops/shape.py), with CNTK-R's signatures where CNTK-R had
# them (op_reshape, op_transpose, op_swap_axes, op_splice, op_slice, op_one_hot);
# op_squeeze, op_expand_dims, op_pad and op_flatten are CNTK 2.7's, which CNTK-R
# lacked. Shapes and axes in CNTK's Python order, axes 0-based.

#' Shape operations
#'
#' - `op_reshape(x, shape, begin_axis, end_axis)`: the static axes from
#'   `begin_axis` up to (not including) `end_axis` (default: all) reshaped to
#'   `shape` (one dimension may be `-1`: inferred).
#' - `op_transpose(x, perm)`: output axis `i` is input axis `perm[i]` (0-based).
#' - `op_swap_axes(x, axis1, axis2)`: two axes swapped.
#' - `op_splice(inputs, axis = -1, name = "")`: the inputs (a list) joined
#'   along `axis` (given by name in `...`).
#' - `op_slice(x, axis, begin_index, end_index)`: the elements from
#'   `begin_index` to `end_index` (exclusive; negative counts from the end, `0`
#'   as end means the end) along `axis`; vectors slice several axes.
#' - `op_squeeze(x, axes)`: without the axes of dimension 1 (all, or `axes`).
#' - `op_expand_dims(x, axis)`: a new axis of dimension 1; as CNTK 2.7 places
#'   it, `axis >= 0` inserts it *after* axis `axis`, `axis = -1` appends it.
#' - `op_pad(x, pattern, mode, constant_value)`: each axis padded by
#'   `pattern[[i]] = c(head, foot)`; `mode` 0 pads with `constant_value`, 1
#'   reflects, 2 mirrors (symmetric).
#' - `op_flatten(x, axis)`: a matrix `c(prod(dims before axis), prod(the rest))`.
#' - `op_one_hot(x, num_classes, sparse_output, axis)`: one-hot vectors of the
#'   class indices in `x` along a new axis (`-1`: last).
#'
#' @param x The input: a Variable or Function, or an R array.
#' @param shape The new shape: whole numbers, one of them may be `-1`.
#' @param begin_axis,end_axis `NULL` or a static axis boundary (0-based).
#' @param perm A permutation of the static axes, 0-based, e.g. `c(1, 0)`.
#' @param axis1,axis2 The two static axes to swap (0-based).
#' @param inputs A list of inputs (Variables, Functions, R arrays).
#' @param ... For `op_splice()`: `axis` (the static axis to join along,
#'   default `-1`) and `name`.
#' @param axis For `op_slice()`: the static axis (or axes) to slice; for
#'   `op_expand_dims()`, `op_flatten()`, `op_one_hot()`: the axis as described
#'   above (`NULL` for `op_flatten()` is 0).
#' @param begin_index,end_index Whole numbers, one per sliced axis.
#' @param axes `NULL` or the static axes to squeeze.
#' @param pattern A list with one `c(head, foot)` pair per static axis.
#' @param mode `0` (constant), `1` (reflect) or `2` (symmetric).
#' @param constant_value The padding value for `mode = 0` (a number).
#' @param num_classes The number of classes (a whole number).
#' @param sparse_output `FALSE`; `TRUE` is accepted and gives the same dense
#'   output.
#' @param name Name of the output (a string).
#' @return A Function.
#' @section Shape:
#' `op_reshape()`: the input shape with the axes in `[begin_axis, end_axis)`
#' replaced by `shape`; `op_transpose()`: the input's dims in `perm`'s order;
#' `op_splice()`: the sum of the inputs' dims on `axis`; `op_slice()`:
#' `ceiling((end - begin) / 1)` on the sliced axis; `op_pad()`: `head + n +
#' foot` per axis; `op_one_hot()`: `num_classes` inserted at `axis`.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(c(2, 3, 4))
#' op_reshape(x, c(6, 4))$shape
#' op_transpose(x, c(2, 0, 1))$shape
#' op_swap_axes(x, 0, 2)$shape
#' op_splice(list(x, x), axis = 1)$shape
#' op_slice(x, 2, 1, 3)$shape
#' op_expand_dims(x, -1)$shape
#' op_pad(x, list(c(0, 0), c(1, 1), c(0, 2)))$shape
#' op_flatten(x, 1)$shape
#' op_one_hot(op_input_variable(3), 5)$shape
#' @name shape_ops
NULL

#' @rdname shape_ops
#' @export
op_reshape <- function(x, shape, begin_axis = NULL, end_axis = NULL, name = "") {
  cntk_call(
    "reshape", as_operand(x),
    shape = tuple(as.list(as.integer(check_integers(flatten_scalars(shape), "shape", minimum = -1)))),
    begin_axis = as_nullable_integer(begin_axis), end_axis = as_nullable_integer(end_axis),
    name = as_name(name)
  )
}

#' @rdname shape_ops
#' @export
op_transpose <- function(x, perm, name = "") {
  perm <- flatten_scalars(perm)
  check_integers(perm, "perm")
  cntk_call("transpose", as_operand(x), perm = tuple(as.list(as.integer(perm))), name = as_name(name))
}

#' @rdname shape_ops
#' @export
op_swap_axes <- function(x, axis1 = 0, axis2 = 1, name = "") {
  cntk_call("swapaxes", as_operand(x), axis1 = as_integer(axis1), axis2 = as_integer(axis2),
            name = as_name(name))
}

#' @rdname shape_ops
#' @export
op_splice <- function(inputs, ...) {
  dots <- list(...)
  unknown <- setdiff(names(dots) %||% rep("", length(dots)), c("axis", "name"))
  if (length(unknown)) {
    value_error("`...` of op_splice() takes `axis` and `name` only, not ",
                describe_value(unknown), ".")
  }
  if (is_py(inputs) || !is.list(inputs)) inputs <- list(inputs)
  operands <- lapply(seq_along(inputs), function(i) as_operand(inputs[[i]], sprintf("inputs[[%d]]", i)))
  args <- c(operands, list(
    axis = as_integer(if (is.null(dots$axis)) -1 else dots$axis, "axis"),
    name = as_name(dots$name, "name")
  ))
  do.call(cntk_call, c("splice", args))
}

#' @rdname shape_ops
#' @export
op_slice <- function(x, axis, begin_index, end_index, name = "") {
  cntk_call("slice", as_operand(x), as_integer_tuple(axis), as_integer_tuple(begin_index),
            as_integer_tuple(end_index), name = as_name(name))
}

#' @rdname shape_ops
#' @export
op_squeeze <- function(x, axes = NULL, name = "") {
  cntk_call("squeeze", as_operand(x), axes = as_integer_tuple(axes), name = as_name(name))
}

#' @rdname shape_ops
#' @export
op_expand_dims <- function(x, axis, name = "") {
  cntk_call("expand_dims", as_operand(x), axis = as_integer(axis), name = as_name(name))
}

#' @rdname shape_ops
#' @export
op_pad <- function(x, pattern, mode = 0, constant_value = 0, name = "") {
  if (is.matrix(pattern)) {
    pattern <- lapply(seq_len(nrow(pattern)), function(i) pattern[i, ])
  }
  if (!is.list(pattern)) {
    value_error("`pattern` must be a list of c(head, foot) pairs, not ", describe_value(pattern), ".")
  }
  pairs <- lapply(seq_along(pattern), function(i) {
    as_integer_tuple(pattern[[i]], sprintf("pattern[[%d]]", i), minimum = 0, lengths = 2)
  })
  cntk_call("pad", as_operand(x), pairs, mode = as_integer(mode),
            constant_value = as_number(constant_value), name = as_name(name))
}

#' @rdname shape_ops
#' @export
op_flatten <- function(x, axis = NULL, name = "") {
  cntk_call("flatten", as_operand(x), axis = as_nullable_integer(axis), name = as_name(name))
}

#' @rdname shape_ops
#' @export
op_one_hot <- function(x, num_classes, sparse_output = FALSE, axis = -1, name = "") {
  cntk_call("one_hot", as_operand(x), as_integer(num_classes, minimum = 1),
            sparse_output = as_flag(sparse_output), axis = as_integer(axis), name = as_name(name))
}

#' Gather
#'
#' `op_gather(reference, indices)` gives the slices of `reference` along its
#' first static axis at the positions in `indices` (0-based whole numbers), as
#' CNTK 2.7's `gather`. The gradient flows to `reference` (summed over repeated
#' indices); `indices` get none. (CNTK-R's `op_gather()` has no `axis`.)
#'
#' @param reference The table: a Parameter, Constant, Variable or R array.
#' @param indices The positions: a Variable or Function (often an input), or
#'   an R array.
#' @return A Function.
#' @section Shape:
#' `c(dim(indices), dim(reference)[-1])`.
#' @examplesIf is_cntkr_available()
#' table <- op_constant(matrix(as.numeric(1:15), 5, 3))
#' i <- op_input_variable(2)
#' f <- op_gather(table, i)
#' f$shape
#' func_eval(f, matrix(c(0, 4), 1, 2))
#' @export
op_gather <- function(reference, indices) {
  cntk_call("gather", as_operand(reference), as_operand(indices))
}
