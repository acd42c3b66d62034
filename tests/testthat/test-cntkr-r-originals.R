# CNTK-R's own tutorial code (tests/cntkr-r-originals/: logistic.R, mnist_example.R,
# cifar10_example.R as CNTK-R ships them, with only library(cntkr), data paths, shorter runs
# and the bugs that break real CNTK too changed, each marked `# cntkr:`) runs on cntkr, at a
# tiny setting on generated data, and learns.

original <- function(name) {
  path <- test_path("..", "cntkr-r-originals", name)
  expect_true(file.exists(path))
  path
}

run_original <- function(name, env_vars) {
  old <- Sys.getenv(names(env_vars), unset = NA, names = TRUE)
  do.call(Sys.setenv, as.list(env_vars))
  on.exit({
    for (v in names(old)) if (is.na(old[[v]])) Sys.unsetenv(v) else do.call(Sys.setenv, as.list(old[v]))
  }, add = TRUE)
  env <- new.env(parent = globalenv())
  output <- utils::capture.output(value <- source(original(name), local = env)$value)
  list(env = env, value = value, output = output)
}

write_ctf <- function(path, labels, features) {
  onehot <- vapply(labels, function(l) paste(as.integer(0:9 == l), collapse = " "), "")
  writeLines(paste0("|labels ", onehot, " |features ",
                    apply(features, 1, paste, collapse = " ")), path)
}

# images whose class is a bright band on noise (the tutorials' stand-in)
bands <- function(n, size, channels = 1) {
  labels <- sample(0:9, n, replace = TRUE)
  features <- t(vapply(labels, function(k) {
    img <- array(sample(0:60, size * size * channels, replace = TRUE), c(size, size, channels))
    band <- (k %% 5) * 5 + 2:5
    if (k < 5) img[band, , ] <- img[band, , ] + 150 else img[, band, ] <- img[, band, ] + 150
    as.integer(img)
  }, integer(size * size * channels)))
  list(labels = labels, features = features)
}

test_that("CNTK-R's logistic.R runs on cntkr and learns", {
  skip_if_no_cntkr()
  set.seed(2)
  run <- run_original("logistic.R", c(CNTKR_ORIGINAL_SAMPLES = "2000"))
  expect_true(any(grepl("^\\[1\\] \"Minibatch: 50, Loss: ", run$output)))
  env <- run$env
  expect_equal(env$plot_data$batch_size[[1]], 50)   # the progress of minibatch 50, as the original stores it
  test <- env$create_random_data(500, 2, 2)
  error <- test_minibatch(env$trainer, dict(feature = test$x, label = test$y))
  expect_lt(error, 0.3)   # chance: 0.5
})

test_that("CNTK-R's mnist_example runs on cntkr (CTF files, a short run)", {
  skip_if_no_cntkr()
  set.seed(3)
  dir <- tempfile("mnist-original")
  dir.create(dir)
  on.exit(unlink(dir, recursive = TRUE), add = TRUE)
  with(bands(1280, 28), write_ctf(file.path(dir, "Train-28x28_cntk_text.txt"), labels, features))
  with(bands(512, 28), write_ctf(file.path(dir, "Test-28x28_cntk_text.txt"), labels, features))
  # 0.01 sweeps of 60000: 9 + 1 minibatches of 64; one test minibatch of 512
  run <- run_original("mnist_example.R", c(CNTKR_FASHION_MNIST_CTF = dir, CNTKR_ORIGINAL_SWEEPS = "0.01",
                                          CNTKR_ORIGINAL_TEST_SAMPLES = "512"))
  expect_match(run$value, "^Average test error [0-9.]+: $")
  error <- as.numeric(sub("^Average test error ([0-9.]+): $", "\\1", run$value))
  expect_gte(error, 0)
  expect_lt(error, 85)    # percent; chance: 90
  expect_equal(unlist(run$env$z$first_conv$shape), c(8, 14, 14))
})

test_that("CNTK-R's cifar10_example runs on cntkr (CTF files, a short run)", {
  skip_if_no_cntkr()
  set.seed(4)
  dir <- tempfile("cifar-original")
  dir.create(dir)
  on.exit(unlink(dir, recursive = TRUE), add = TRUE)
  with(bands(128, 32, 3), write_ctf(file.path(dir, "Train_cntk_text.txt"), labels, features))
  with(bands(100, 32, 3), write_ctf(file.path(dir, "Test_cntk_text.txt"), labels, features))
  run <- run_original("cifar10_example.R", c(CNTKR_CIFAR10_DIR = dir, CNTKR_ORIGINAL_EPOCH_SIZE = "128",
                                            CNTKR_ORIGINAL_EPOCHS = "1", CNTKR_ORIGINAL_TEST_SIZE = "100"))
  # (the ProgressPrinter's epoch summary goes to the process's stdout, not R's)
  expect_equal(run$env$trainer$previous_minibatch_sample_count, 64)
  expect_length(run$env$loss_over_time, 2)
  expect_match(run$value, "^Final error: [0-9.]+%$")
  expect_equal(run$env$metric_denom, 100)
})
