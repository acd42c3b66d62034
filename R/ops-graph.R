# Graph ops and the ops under the normalization layers: op_alias,
# op_stop_gradient (cntkr_py/ops/graph.py), op_batch_normalization,
# op_dropout (cntkr_py/ops/normalization.py), with CNTK-R's signatures.

#' Alias and stop_gradient
#'
#' `op_alias()` is `x` under a new name (gradients flow through);
#' `op_stop_gradient()` is `input`'s value with no gradient flowing back.
#'
#' @param x,input The operand: a Variable or Function.
#' @param name Name of the result (a string).
#' @return A Function.
#' @section Shape:
#' Output shape = input shape.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(2, needs_gradient = TRUE)
#' f <- op_alias(x, name = "copy")
#' f$name
#' func_grad(op_stop_gradient(x), matrix(1, 1, 2), wrt = list(x))
#' @name graph_ops
NULL

#' @rdname graph_ops
#' @export
op_alias <- function(x, name = "") {
  cntk_call("alias", as_operand(x), name = as_name(name))
}

#' @rdname graph_ops
#' @export
op_stop_gradient <- function(input, name = "") {
  cntk_call("stop_gradient", as_operand(input), name = as_name(name))
}

#' Batch normalization op
#'
#' The op under [BatchNormalization()]: normalizes `operand` with the running
#' statistics in [func_eval()] and with the minibatch's in training mode
#' ([func_grad()], [func_forward()] with `keep_for_backward`), where it also
#' updates `running_mean`, `running_inv_std` (the running *variance*, CNTK's
#' name for it) and `running_count`.
#'
#' @param operand The input (a Variable or Function).
#' @param scale,bias Parameters of the statistics' shape.
#' @param running_mean,running_inv_std Constants of the statistics' shape
#'   (mean and variance).
#' @param spatial `TRUE` for one statistic per item of the first axis,
#'   `FALSE` for one per element (then the statistics have shape
#'   `prod(input_shape)`).
#' @param normalization_time_constant Time constant of the running
#'   statistics, in samples (a number `>= 0`, or `Inf`).
#' @param blent_time_constant Only `0` is supported (CNTK-R's spelling).
#' @param epsilon Added to the variance (a number `>= 0`).
#' @param use_cudnn_engine `TRUE` or `FALSE` (kept as the attribute).
#' @param name Name of the result (a string).
#' @param running_count A Constant holding one number (the samples seen), or
#'   `NULL` for a new one at 0.
#' @return A Function.
#' @section Shape:
#' Output shape = `operand`'s shape.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(c(2, 3))
#' f <- op_batch_normalization(x, op_parameter(2, init = 1), op_parameter(2, init = 0),
#'                             op_constant(0, 2), op_constant(1, 2), spatial = TRUE)
#' func_eval(f, array(1, c(1, 2, 3)))
#' @export
op_batch_normalization <- function(operand, scale, bias, running_mean,
                                   running_inv_std, spatial,
                                   normalization_time_constant = 5000,
                                   blent_time_constant = 0, epsilon = 1e-05,
                                   use_cudnn_engine = FALSE, name = "",
                                   running_count = NULL) {
  cntk_call(
    "batch_normalization", as_operand(operand), as_operand(scale), as_operand(bias),
    as_operand(running_mean), as_operand(running_inv_std), as_flag(spatial),
    normalization_time_constant = as_time_constant(normalization_time_constant),
    blend_time_constant = as_time_constant(blent_time_constant),
    epsilon = as_number(epsilon), use_cudnn_engine = as_flag(use_cudnn_engine),
    name = as_name(name),
    running_count = if (!is.null(running_count)) as_operand(running_count)
  )
}

#' Dropout op
#'
#' In training mode ([func_grad()], [func_forward()] with
#' `keep_for_backward`) each element is 0 with probability `dropout_rate` and
#' the others are scaled by `1 / (1 - dropout_rate)`; [func_eval()] passes
#' `x` through.
#'
#' @param x The input (a Variable or Function).
#' @param dropout_rate Probability of dropping an element, in `[0, 1)`.
#' @param seed A whole number, kept as the `rngSeed` attribute (the mask is
#'   torch's draw; see [set_fixed_random_seed()]); the default, CNTK-R's
#'   4294967293, picks one automatically (1, 2, ...).
#' @param name Name of the result (a string).
#' @return A Function.
#' @section Shape:
#' Output shape = input shape.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(4)
#' func_eval(op_dropout(x, 0.5), matrix(1, 1, 4))
#' @export
op_dropout <- function(x, dropout_rate = 0, seed = 4294967293, name = "") {
  seed <- as_seed(seed)
  cntk_call("dropout", as_operand(x), dropout_rate = as_number(dropout_rate),
            seed = if (seed != 4294967293) seed, name = as_name(name))
}

# A random seed: a whole number >= 0, passed as a double (CNTK's seeds exceed R's integers;
# Python reads a whole double as an int).
as_seed <- function(x, arg = deparse(substitute(x))) {
  if (!is.numeric(x) || length(x) != 1 || is.na(x) || x < 0 || x != floor(x) || !is.finite(x)) {
    value_error("`", arg, "` must be a whole number >= 0, not ", describe_value(x), ".")
  }
  as.double(x)
}

#' Placeholder
#'
#' A stand-in for an input, replaced later with [func_replace_placeholders()].
#' Without a `shape`, the ops built on it infer their shapes at the
#' replacement.
#'
#' @param shape `NULL` (inferred at the replacement) or the shape, e.g.
#'   `c(3, 4)`.
#' @param dynamic_axes `NULL` (the batch axis) or a list of axes.
#' @param name Name of the placeholder (a string).
#' @return A placeholder Variable.
#' @section Shape:
#' `shape`, with a batch axis in front.
#' @examplesIf is_cntkr_available()
#' p <- op_placeholder(name = "p")
#' f <- op_relu(p)
#' x <- op_input_variable(3)
#' f <- func_replace_placeholders(f, dict(p = x))
#' func_eval(f, matrix(c(-1, 0, 2), 1, 3))
#' @export
op_placeholder <- function(shape = NULL, dynamic_axes = NULL, name = "") {
  cntk_call("placeholder", shape = normalize_shape(shape), dynamic_axes = dynamic_axes,
            name = as_name(name))
}

#' Combine several Functions into one
#'
#' One Function with the outputs of several: [func_eval()] returns a list
#' of their values, in order; `f$outputs` lists them.
#'
#' @param operands A list of Functions (or Variables).
#' @param name Name of the result (a string).
#' @return A Function.
#' @section Shape:
#' Each output keeps its operand's shape.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(3)
#' f <- op_combine(list(op_relu(x), op_tanh(x)))
#' func_eval(f, matrix(c(-1, 0, 2), 1, 3))
#' @export
op_combine <- function(operands, name = "") {
  if (is_py(operands)) operands <- list(operands)
  if (!is.list(operands) || length(operands) == 0) {
    value_error("`operands` must be a list of Functions or Variables, not ", describe_value(operands), ".")
  }
  cntk_call("combine", lapply(unname(operands), as_operand, arg = "operands"), name = as_name(name))
}

#' Assign a new value to a Parameter or Constant
#'
#' A Function whose value is `input`'s and which, when it runs, writes that
#' value into `ref` (a Parameter or a Constant), in place: every graph using
#' `ref` sees the new value. The write happens at the end of the run: every
#' node of the run reads `ref`'s old value, as in CNTK (so in a
#' [universal_learner()] update). `ref` and `input` must have the same shape
#' and no batch axis.
#'
#' @param ref The Parameter or Constant to write.
#' @param input The new value: a Function or Variable of `ref`'s shape.
#' @param name Name of the result (a string).
#' @return A Function.
#' @section Shape:
#' Output shape = `ref`'s shape = `input`'s shape.
#' @examplesIf is_cntkr_available()
#' p <- op_parameter(2, init = 1)
#' f <- op_assign(p, p * 2)
#' func_eval(f)
#' p$value
#' @export
op_assign <- function(ref, input, name = "") {
  cntk_call("assign", as_operand(ref), as_operand(input), name = as_name(name))
}
