/*
 * Direct calls from R into cntkr_py's R bridge, for func_eval() and func_grad().
 *
 * reticulate's py_call() costs tens of microseconds a call on top of the Python work (argument
 * conversion through R closures, wrapping the result in a new R environment, its class from the
 * Python type's MRO), more than all of cntkr's own per-call work on a small layer. Here the same
 * call is made with a handful of Python C-API calls, on the Python that reticulate has already
 * started:
 *
 *   cntkr_py_init(RArray)   once, after the bridge module is imported: looks up the C-API
 *                           functions in the process (reticulate loads libpython with its
 *                           symbols global, as Python's extension modules need) and keeps the
 *                           bridge's RArray class. FALSE when anything is missing: R then keeps
 *                           to reticulate.
 *   cntkr_py_call(fn, args) calls the Python callable `fn` (a reticulate object) with `args`, an
 *                           R list of NULL, reticulate objects, TRUE/FALSE, single strings,
 *                           lists of reticulate objects and plain double arrays. Arrays go as
 *                           RArray(address, dims): the bridge reads R's memory in place during
 *                           the call (cntkr_r_to_c, layout.c). `fn` returns a tuple of floats,
 *                           an array description (layout.c, cntkr_from_description), which
 *                           becomes the R array(s) here; or a string, the message of bad R
 *                           input, returned as an R string for R's value_error(). NULL means
 *                           "not done": an argument of another kind, or a Python exception
 *                           (cleared); R then makes the same call through reticulate, which
 *                           reports the exception as reticulate always does.
 *
 * A reticulate object is an R environment (for callables, a closure whose "py_object"
 * attribute is that environment) holding the PyObject* in the external pointer "pyobj"; anything
 * else is refused (NULL). No R allocation happens while the GIL is held (an R error there would
 * longjmp over PyGILState_Release): results are copied to a static buffer first.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

#include "cntkr.h"

typedef void PyObject;
typedef ssize_t Py_ssize_t;

static struct {
  int (*GILState_Ensure)(void);
  void (*GILState_Release)(int);
  PyObject *(*Object_Call)(PyObject *, PyObject *, PyObject *);
  PyObject *(*Tuple_New)(Py_ssize_t);
  int (*Tuple_SetItem)(PyObject *, Py_ssize_t, PyObject *);
  Py_ssize_t (*Tuple_Size)(PyObject *);
  PyObject *(*Tuple_GetItem)(PyObject *, Py_ssize_t);
  PyObject *(*List_New)(Py_ssize_t);
  int (*List_SetItem)(PyObject *, Py_ssize_t, PyObject *);
  double (*Float_AsDouble)(PyObject *);
  PyObject *(*Long_FromLongLong)(long long);
  PyObject *(*Long_FromUnsignedLongLong)(unsigned long long);
  PyObject *(*Bool_FromLong)(long);
  PyObject *(*Unicode_FromString)(const char *);
  const char *(*Unicode_AsUTF8)(PyObject *);
  PyObject *(*Err_Occurred)(void);
  void (*Err_Clear)(void);
  void (*IncRef)(PyObject *);
  void (*DecRef)(PyObject *);
  PyObject *None;
  PyObject *r_array; /* cntkr_py._r_bridge.RArray, a new reference */
  int ready;
} py;

/* the PyObject* of a reticulate object, or NULL */
static PyObject *py_pointer(SEXP x) {
  if (!Rf_inherits(x, "python.builtin.object")) return NULL;
  if (TYPEOF(x) == CLOSXP) x = Rf_getAttrib(x, Rf_install("py_object"));
  if (TYPEOF(x) != ENVSXP) return NULL;
  SEXP ptr = Rf_findVarInFrame(x, Rf_install("pyobj"));
  if (TYPEOF(ptr) != EXTPTRSXP) return NULL;
  return (PyObject *)R_ExternalPtrAddr(ptr);
}

#define LOOKUP(FIELD, NAME)                                     \
  do {                                                          \
    *(void **)(&py.FIELD) = dlsym(RTLD_DEFAULT, NAME);          \
    if (py.FIELD == NULL) return Rf_ScalarLogical(0);           \
  } while (0)

SEXP cntkr_py_init(SEXP r_array_class) {
  if (py.ready) return Rf_ScalarLogical(1);
  LOOKUP(GILState_Ensure, "PyGILState_Ensure");
  LOOKUP(GILState_Release, "PyGILState_Release");
  LOOKUP(Object_Call, "PyObject_Call");
  LOOKUP(Tuple_New, "PyTuple_New");
  LOOKUP(Tuple_SetItem, "PyTuple_SetItem");
  LOOKUP(Tuple_Size, "PyTuple_Size");
  LOOKUP(Tuple_GetItem, "PyTuple_GetItem");
  LOOKUP(List_New, "PyList_New");
  LOOKUP(List_SetItem, "PyList_SetItem");
  LOOKUP(Float_AsDouble, "PyFloat_AsDouble");
  LOOKUP(Long_FromLongLong, "PyLong_FromLongLong");
  LOOKUP(Long_FromUnsignedLongLong, "PyLong_FromUnsignedLongLong");
  LOOKUP(Bool_FromLong, "PyBool_FromLong");
  LOOKUP(Unicode_FromString, "PyUnicode_FromString");
  LOOKUP(Unicode_AsUTF8, "PyUnicode_AsUTF8");
  LOOKUP(Err_Occurred, "PyErr_Occurred");
  LOOKUP(Err_Clear, "PyErr_Clear");
  LOOKUP(IncRef, "Py_IncRef");
  LOOKUP(DecRef, "Py_DecRef");
  LOOKUP(None, "_Py_NoneStruct");
  PyObject *cls = py_pointer(r_array_class);
  if (cls == NULL) return Rf_ScalarLogical(0);
  const int gil = py.GILState_Ensure();
  py.IncRef(cls);
  py.GILState_Release(gil);
  py.r_array = cls;
  py.ready = 1;
  return Rf_ScalarLogical(1);
}

/* a new reference for R value `x` (see the header), or NULL (refused, or a Python error) */
static PyObject *to_python(SEXP x) {
  if (x == R_NilValue) {
    py.IncRef(py.None);
    return py.None;
  }
  PyObject *p = py_pointer(x);
  if (p != NULL) {
    py.IncRef(p);
    return p;
  }
  if (OBJECT(x)) return NULL;
  if (TYPEOF(x) == LGLSXP && XLENGTH(x) == 1 && LOGICAL(x)[0] != NA_LOGICAL)
    return py.Bool_FromLong(LOGICAL(x)[0]);
  if (TYPEOF(x) == STRSXP && XLENGTH(x) == 1 && STRING_ELT(x, 0) != NA_STRING)
    return py.Unicode_FromString(Rf_translateCharUTF8(STRING_ELT(x, 0)));
  if (TYPEOF(x) == REALSXP) {
    /* RArray(address, dims); dims as reticulate sees them: dim(x), or (n,), or () for n = 1 */
    SEXP dim = Rf_getAttrib(x, R_DimSymbol);
    const Py_ssize_t r = dim != R_NilValue ? XLENGTH(dim) : XLENGTH(x) == 1 ? 0 : 1;
    if (r > CNTKR_MAX_RANK || (dim != R_NilValue && TYPEOF(dim) != INTSXP)) return NULL;
    PyObject *shape = py.Tuple_New(r);
    if (shape == NULL) return NULL;
    for (Py_ssize_t j = 0; j < r; j++) {
      PyObject *d = py.Long_FromLongLong(dim != R_NilValue ? INTEGER(dim)[j] : XLENGTH(x));
      if (d == NULL) {
        py.DecRef(shape);
        return NULL;
      }
      py.Tuple_SetItem(shape, j, d);
    }
    PyObject *args = py.Tuple_New(2), *addr = py.Long_FromUnsignedLongLong(
                                            (unsigned long long)(uintptr_t)REAL(x));
    if (args == NULL || addr == NULL) {
      if (args != NULL) py.DecRef(args);
      if (addr != NULL) py.DecRef(addr);
      py.DecRef(shape);
      return NULL;
    }
    py.Tuple_SetItem(args, 0, addr);
    py.Tuple_SetItem(args, 1, shape);
    PyObject *out = py.Object_Call(py.r_array, args, NULL);
    py.DecRef(args);
    return out;
  }
  if (TYPEOF(x) == VECSXP) { /* a list of reticulate objects */
    const R_xlen_t n = XLENGTH(x);
    for (R_xlen_t i = 0; i < n; i++)
      if (py_pointer(VECTOR_ELT(x, i)) == NULL) return NULL;
    PyObject *list = py.List_New(n);
    if (list == NULL) return NULL;
    for (R_xlen_t i = 0; i < n; i++) {
      PyObject *p = py_pointer(VECTOR_ELT(x, i));
      py.IncRef(p);
      py.List_SetItem(list, i, p);
    }
    return list;
  }
  return NULL;
}

#define RESULT_MAX 4096
static double result[RESULT_MAX];
static char message[4096];

SEXP cntkr_py_call(SEXP callable, SEXP args) {
  PyObject *fn = py_pointer(callable);
  if (!py.ready || fn == NULL || TYPEOF(args) != VECSXP) return R_NilValue;
  const R_xlen_t nargs = XLENGTH(args);
  /* 0: not done; 1: a description in `result`; 2: a message in `message` */
  int kind = 0;
  Py_ssize_t len = 0;
  const int gil = py.GILState_Ensure();
  PyObject *tuple = py.Tuple_New(nargs);
  int ok = tuple != NULL;
  for (R_xlen_t i = 0; ok && i < nargs; i++) {
    PyObject *item = to_python(VECTOR_ELT(args, i));
    if (item == NULL)
      ok = 0;
    else
      py.Tuple_SetItem(tuple, i, item);
  }
  PyObject *res = ok ? py.Object_Call(fn, tuple, NULL) : NULL;
  if (res != NULL) {
    len = py.Tuple_Size(res);
    if (len >= 0 && len <= RESULT_MAX) {
      kind = 1;
      for (Py_ssize_t i = 0; i < len; i++) {
        result[i] = py.Float_AsDouble(py.Tuple_GetItem(res, i));
        if (result[i] == -1.0 && py.Err_Occurred() != NULL) kind = 0;
      }
    } else if (len < 0) {
      py.Err_Clear();
      const char *text = py.Unicode_AsUTF8(res);
      if (text != NULL) {
        strncpy(message, text, sizeof(message) - 1);
        message[sizeof(message) - 1] = '\0';
        kind = 2;
      }
    }
    py.DecRef(res);
  }
  if (py.Err_Occurred() != NULL) py.Err_Clear();
  if (tuple != NULL) py.DecRef(tuple);
  py.GILState_Release(gil);
  if (kind == 1) return cntkr_from_description(result, len);
  if (kind == 2) return Rf_ScalarString(Rf_mkCharCE(message, CE_UTF8));
  return R_NilValue;
}
