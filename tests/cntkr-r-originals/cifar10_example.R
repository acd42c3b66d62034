# CNTK-R's vignettes/cifar10_example.Rmd (its R chunks) as CNTK-R ships it (github.com/joeddav/CNTK-R), run on cntkr by
# tests/testthat/test-cntkr-r-originals.R. Changed lines are marked `# cntkr:`; only
# library(cntk) -> library(cntkr), data paths, shorter runs (environment variables, defaults
# are the original's) and the bugs that break real CNTK too.
# cntkr: Sys.setenv(RETICULATE_PYTHON = "/home/alizaidi/...") dropped (the author's machine)
library(reticulate)
library(cntkr)  # cntkr: was library(cntk)
library(magrittr)

create_reader <- function(path, is_training, input_dim, label_dim) {
    MinibatchSource(CTFDeserializer(path, StreamDefs(
        features = StreamDef(field = "features", shape = input_dim),
        labels = StreamDef(field = "labels", shape = label_dim)
    )), randomize = is_training, max_sweeps = ifelse(is_training, IO_INFINITELY_REPEAT, 1))
}

# ensure the path leads to the data where you have saved the CIFAR-10 images
data_path <- Sys.getenv("CNTKR_CIFAR10_DIR", "CIFAR-10")  # cntkr: data path
if (!(file.exists(data_path))) message("Ensure your data_path is correct!")
epoch_size <- as.numeric(Sys.getenv("CNTKR_ORIGINAL_EPOCH_SIZE", 50000))  # cntkr: shorter runs
minibatch_size <- 64
max_epochs <- as.numeric(Sys.getenv("CNTKR_ORIGINAL_EPOCHS", 30))  # cntkr: shorter runs
image_height <- 32
image_width <- 32
num_channels <- 3
input_dim <- image_height * image_width * num_channels
num_output_classes <- 10

input_var <- op_input_variable(c(num_channels, image_height, image_width), 
                               name = "input")
label_var <- op_input_variable(num_output_classes, 
                               name = "label")

input_remove_mean <- op_minus(input_var, op_constant(128))
normalized_input <- op_element_times(op_constant(0.00390625), input_remove_mean)

z <- Sequential(
    For(1:2, function() { 
        c(
            Convolution2D(c(3, 3), 64, op_relu, pad = TRUE),
            Convolution2D(c(3, 3), 64, op_relu, pad = TRUE),
            MaxPooling(c(3, 3), c(2, 2), pad = TRUE)
        )
    }),
    Dense(256, op_relu),
    Dropout(0.5),
    Dense(128, op_relu),
    Dropout(0.5),
    Dense(num_output_classes, activation = NULL)
)(normalized_input)

visualize_network(z)

loss <- loss_cross_entropy_with_softmax(z, label_var)
metric <- classification_error(z, label_var)

reader_train <- create_reader(file.path(data_path, 'Train_cntk_text.txt'), 
                              TRUE, input_dim, num_output_classes)

lr_per_sample <- c(rep(c(0.0015625), 10), rep(c(0.00046875), 10), 0.00015625)
lr_schedule <- learning_rate_schedule(0.001, UnitType('sample'), epoch_size)
mm_time_constant <- c(rep(0, 20), -minibatch_size / log(0.9))
mm_schedule <- momentum_as_time_constant_schedule(mm_time_constant, epoch_size)
l2_reg_weight <- 0.002

learner <- learner_momentum_sgd(z$parameters, lr_schedule, mm_schedule,
                                l2_regularization_weight = l2_reg_weight)
progress_printer <- ProgressPrinter(tag = 'Training', num_epochs = max_epochs)
trainer <- Trainer(z, c(loss, metric), learner, progress_printer)


input_map = list(
  "input" = reader_train$streams$features,
  "label" = reader_train$streams$labels
)

loss_over_time <- c()
for (epoch in 1:max_epochs) {
    sample_count <- 0
    while (sample_count < epoch_size) {
        current_minibatch <- min(minibatch_size, epoch_size - sample_count)
        data <- reader_train %>% next_minibatch(current_minibatch, input_map = input_map)
        result <- trainer %>% test_minibatch(data)
        loss_over_time <- c(loss_over_time, result)
        trainer %>% train_minibatch(data)
        sample_count <- sample_count + trainer$previous_minibatch_sample_count
    }
    summarize_training_progress(trainer)
}


library(ggplot2)
ggplot(data.frame(loss = loss_over_time, 
                  iterations = 1:length(loss_over_time))) + 
  geom_point(aes(x = iterations, y = loss), alpha = 0.5) + theme_minimal() +
  labs(title = "Training Loss")

reader_test <- create_reader(path = file.path(data_path, 'Test_cntk_text.txt'),
                             is_training =  FALSE,
                             input_dim, num_output_classes)
input_map <- list(
    "input" = reader_test$streams$features,
    "label" = reader_test$streams$labels
)

epoch_size <- as.numeric(Sys.getenv("CNTKR_ORIGINAL_TEST_SIZE", 2000))  # cntkr: shorter runs
minibatch_size <- 200
metric_numer <- 0
metric_denom <- 0
sample_count <- 0
minibatch_index <- 0


test_loss <- c()
while (sample_count < epoch_size) {
    current_minibatch <- min(minibatch_size, epoch_size - sample_count)
    data <- reader_test %>% next_minibatch(current_minibatch, input_map = input_map)
    metric_numer <-  metric_numer + trainer %>% test_minibatch(data) * current_minibatch
    metric_denom <-  metric_denom + current_minibatch
    sample_count <-  sample_count + data$label$num_samples
    minibatch_index = minibatch_index + 1
}

sprintf("Final error: %g%%", metric_numer / metric_denom * 100)
# cntkr: the next line was the published output pasted into the code (an R syntax error):
# [1] "Final error: 21.25%"

