# A DCGAN-style generator with cntkr: noise -> 28 x 28 images, built from
# CNTK-R's ConvolutionTranspose2D with R-style arguments (R vectors, TRUE/FALSE,
# NULL), shapes in CNTK-Python order (channels first).
#
#   demo("dcgan_generator", package = "cntkr")
#   # or, from the repo: tools/run_r.sh Rscript demo/dcgan_generator.R
library(cntkr)

set.seed(1)
latent <- 16

# noise enters as a 1 x 1 "image" with `latent` channels
z <- op_input_variable(c(latent, 1, 1), needs_gradient = TRUE)

# 1 x 1 -> 7 x 7: a plain (unpadded) transposed convolution, out = (1 - 1) * 1 + 7
project <- ConvolutionTranspose2D(c(7, 7), num_filters = 32, pad = FALSE,
                                  activation = op_relu,
                                  init = init_glorot_uniform(seed = 1),
                                  name = "project")
# 7 x 7 -> 14 x 14: stride 2, padded; (7 - 1) * 2 + 1 = 13 by default, so
# output_shape picks 14 of the admissible sizes
up1 <- ConvolutionTranspose2D(c(5, 5), num_filters = 16, strides = c(2, 2),
                              pad = c(TRUE, TRUE), output_shape = c(14, 14),
                              activation = function(x) op_leaky_relu(x),
                              init = init_he_normal(seed = 2),
                              name = "up1")
# 14 x 14 -> 28 x 28, one channel, pixels in (0, 1)
up2 <- ConvolutionTranspose(c(5, 5), num_filters = 1, strides = 2, pad = TRUE,
                            output_shape = c(28, 28), activation = op_sigmoid,
                            init = init_glorot_normal(seed = 3), init_bias = 0,
                            name = "to_image")

h1 <- project(z)
h2 <- up1(h1)
image <- up2(h2)

cat("noise     ", paste(dim(z), collapse = " x "), "\n")
cat("project   ", paste(dim(h1), collapse = " x "), "  W:", paste(dim(project$W$value), collapse = " x "), "\n")
cat("up1       ", paste(dim(h2), collapse = " x "), "  W:", paste(dim(up1$W$value), collapse = " x "), "\n")
cat("to_image  ", paste(dim(image), collapse = " x "), "  W:", paste(dim(up2$W$value), collapse = " x "), "\n")

# a batch of 4 noise vectors: an R array with dim c(batch, latent, 1, 1)
noise <- array(rnorm(4 * latent), c(4, latent, 1, 1))
images <- func_eval(image, noise)
cat("images    ", paste(dim(images), collapse = " x "),
    sprintf("  (range %.3f .. %.3f)\n", min(images), max(images)))

# gradients of sum(images) with respect to the last kernel, its bias and the noise
g <- func_grad(image, noise, wrt = list(up2$W, up2$b, z))
cat("d/dW      ", paste(dim(g[[1]]), collapse = " x "), "\n")
cat("d/db      ", paste(dim(g[[2]]), collapse = " x "), "\n")
cat("d/dnoise  ", paste(dim(g[[3]]), collapse = " x "), "\n")

# the four images side by side, as a PNG
out <- Sys.getenv("CNTKR_DEMO_PNG", file.path(tempdir(), "cntkr_dcgan_r.png"))
strip <- do.call(cbind, lapply(1:4, function(i) images[i, 1, , ]))
if (requireNamespace("png", quietly = TRUE)) {
  png::writePNG(strip, out)
  cat("wrote", out, "\n")
}
