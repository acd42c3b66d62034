# Training runs recorded with real CNTK 2.7, replayed through the R API (the driver:
# helper-trajectories.R): every minibatch's loss and evaluation averages to 1e-4 relative, the
# sample counts exactly, the test results and the final parameters to 1e-4. The golden files are
# not in the built package: under R CMD check these tests skip.

test_that("the training trajectories from CNTK 2.7 are there", {
  skip_if_no_cntkr()
  skip_if_no_goldens()
  expect_gte(length(trajectory_files()), 40)
})

for (path in trajectory_files()) {
  test_that(paste0("training run ", basename(path), " learns as in CNTK 2.7"), {
    skip_if_no_cntkr()
    for (chk in trajectory_replay(path)) {
      expect_trajectory_check(chk)
    }
  })
}
