#' Devices
#'
#' Device descriptors, with CNTK's names: where parameters live and where
#' [func_eval()] and [func_grad()] compute. A GPU is any CUDA device PyTorch
#' sees.
#'
#' - `cpu_descriptor()`: the CPU.
#' - `gpu_descriptor(device_id)`: GPU number `device_id` (0-based); an error
#'   if there is no such GPU. (CNTK-R lacked it.)
#' - `all_devices()`: a list of the devices available, CPU included.
#' - `try_set_default_device()`: makes `new_default_device` the default;
#'   `TRUE` on success.
#' - `use_default_device()`: the current default device.
#'
#' @param device_id 0-based GPU number, a whole number `>= 0`.
#' @param new_default_device A device from `cpu_descriptor()` or
#'   `gpu_descriptor()`.
#' @param acquire_device_lock Whether to lock the device for this process,
#'   `TRUE` or `FALSE`; accepted for CNTK compatibility, PyTorch has no
#'   device locks.
#' @return A device descriptor; a list of them for `all_devices()`; `TRUE`
#'   or `FALSE` for `try_set_default_device()`.
#' @examplesIf is_cntkr_available()
#' cpu_descriptor()
#' all_devices()
#' use_default_device()
#' try_set_default_device(cpu_descriptor())
#' @name devices
NULL

#' @rdname devices
#' @export
cpu_descriptor <- function() {
  cntk_call("device.cpu")
}

#' @rdname devices
#' @export
gpu_descriptor <- function(device_id) {
  cntk_call("device.gpu", as_integer(device_id, minimum = 0))
}

#' @rdname devices
#' @export
all_devices <- function() {
  cntk_call("device.all_devices")
}

#' @rdname devices
#' @export
try_set_default_device <- function(new_default_device, acquire_device_lock = FALSE) {
  cntk_call(
    "device.try_set_default_device",
    new_default_device,
    acquire_device_lock = as_flag(acquire_device_lock)
  )
}

#' @rdname devices
#' @export
use_default_device <- function() {
  cntk_call("device.use_default_device")
}
