#' Crop to a referent's size at given offsets
#'
#' Crops `node_input` on its last two axes (height, width) to the size of
#' `node_referent`'s last two, starting `offset_y` rows and `offset_x` columns
#' in, as CNTK 2.7's `crop_manual` (the skip connections of U-Net style
#' networks). CNTK-R had no crop ops: this is cntkr's own export. The referent
#' only gives its size: no gradient flows to it.
#'
#' @section Shape:
#' Both inputs need at least 2 axes. The output has `node_input`'s leading axes
#' and `node_referent`'s last two; `offset_y` plus the referent's height (and
#' `offset_x` plus its width) must not exceed the input's.
#'
#' @param node_input The Variable or Function to crop.
#' @param node_referent The Variable or Function whose last two axes give the
#'   output's size.
#' @param offset_x Columns skipped on the left, a whole number `>= 0`.
#' @param offset_y Rows skipped at the top, a whole number `>= 0`.
#' @param name Name of the Function, a string.
#' @return A Function.
#' @seealso [op_crop_automatic()], which finds the offsets in the graph.
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(c(1, 4, 4), name = "x")
#' ref <- op_input_variable(c(1, 2, 2), name = "ref")
#' cr <- op_crop_manual(x, ref, offset_x = 1, offset_y = 2)
#' func_eval(cr, list(x = array(1:16, c(1, 1, 4, 4)), ref = array(0, c(1, 1, 2, 2))))
#' @export
op_crop_manual <- function(node_input, node_referent, offset_x, offset_y, name = "") {
  cntk_call(
    "crop_manual", as_operand(node_input), as_operand(node_referent),
    offset_x = as_integer(offset_x, minimum = 0),
    offset_y = as_integer(offset_y, minimum = 0),
    name = as_name(name)
  )
}

#' Crop to a referent's size at offsets found in the graph
#'
#' Crops `node_input` on its last two axes (height, width) to the size of
#' `node_referent`'s last two, as CNTK 2.7's `crop_automatic`: the offsets come
#' from the graph. Each convolution or pooling maps its output's positions to
#' its input's (stride, and half the filter less the padding), a transposed
#' convolution the other way, elementwise ops and batch normalization keep
#' them; composing these maps from both inputs up to their common ancestor
#' gives where the referent starts in the input. CNTK-R had no crop ops: this
#' is cntkr's own export. No gradient flows to the referent.
#'
#' An error names the node where the search stops: both inputs must have a
#' common ancestor (otherwise see [op_crop_automatic_with_ancestors()]), the
#' path may only pass through convolutions, poolings, transposed convolutions,
#' crops, elementwise ops and batch normalization, both must be at the same
#' scale of the ancestor, and the input must cover the referent.
#'
#' @section Shape:
#' Both inputs need at least 2 axes. The output has `node_input`'s leading axes
#' and `node_referent`'s last two.
#'
#' @param node_input The Variable or Function to crop (typically an early
#'   feature map of a U-Net).
#' @param node_referent The Variable or Function whose size the output takes
#'   (typically the upsampled map it is joined with).
#' @param name Name of the Function, a string.
#' @return A Function.
#' @seealso [op_crop_manual()], [op_crop_automatic_with_ancestors()].
#' @examplesIf is_cntkr_available()
#' x <- op_input_variable(c(1, 8, 8))
#' c1 <- Convolution2D(c(3, 3), 2, pad = FALSE)(x)  # 6 x 6, one pixel in
#' cr <- op_crop_automatic(x, c1)                   # x's middle 6 x 6
#' dim(func_eval(cr, array(rnorm(64), c(1, 1, 8, 8))))
#' @export
op_crop_automatic <- function(node_input, node_referent, name = "") {
  cntk_call("crop_automatic", as_operand(node_input), as_operand(node_referent),
            name = as_name(name))
}

#' Crop to a referent's size, with two ancestors standing for each other
#'
#' As [op_crop_automatic()], for inputs without a common ancestor (such as the
#' pixelwise labels of an image and a network's output): `ancestor_input` (an
#' ancestor of `node_input`, or itself) and `ancestor_referent` (one of
#' `node_referent`) count as the same node, as in CNTK 2.7's
#' `crop_automatic_with_ancestors`. They should have the same height and width.
#' CNTK-R had no crop ops: this is cntkr's own export. Only `node_input` gets a
#' gradient.
#'
#' @section Shape:
#' Both inputs need at least 2 axes. The output has `node_input`'s leading axes
#' and `node_referent`'s last two.
#'
#' @param node_input The Variable or Function to crop.
#' @param node_referent The Variable or Function whose size the output takes.
#' @param ancestor_input An ancestor of `node_input` (or `node_input` itself),
#'   a Variable or Function.
#' @param ancestor_referent An ancestor of `node_referent` that stands for
#'   `ancestor_input`, a Variable or Function.
#' @param name Name of the Function, a string.
#' @return A Function.
#' @seealso [op_crop_automatic()].
#' @examplesIf is_cntkr_available()
#' image <- op_input_variable(c(1, 8, 8))
#' labels <- op_input_variable(c(1, 8, 8))
#' z <- Convolution2D(c(3, 3), 1, pad = FALSE)(image)       # 6 x 6
#' cr <- op_crop_automatic_with_ancestors(labels, z, labels, image)
#' cr$shape
#' @export
op_crop_automatic_with_ancestors <- function(node_input, node_referent, ancestor_input,
                                             ancestor_referent, name = "") {
  cntk_call(
    "crop_automatic_with_ancestors", as_operand(node_input), as_operand(node_referent),
    as_operand(ancestor_input), as_operand(ancestor_referent), name = as_name(name)
  )
}
