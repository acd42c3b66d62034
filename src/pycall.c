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
 * else is refused (NULL). No R API call happens while the GIL is held (an R error there would
 * longjmp over PyGILState_Release): arguments are read from R first, results are copied to a
 * static buffer before the R arrays are made.
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

/* One argument, read from R before the GIL is taken (no R API call happens while it is held:
 * an R error there would longjmp over PyGILState_Release). */
typedef struct {
  enum { ARG_NONE, ARG_OBJECT, ARG_BOOL, ARG_STRING, ARG_ARRAY, ARG_LIST } kind;
  PyObject *object;       /* ARG_OBJECT */
  int flag;               /* ARG_BOOL */
  const char *text;       /* ARG_STRING, UTF-8 */
  const double *data;     /* ARG_ARRAY: R's memory */
  int rank;               /* ARG_ARRAY: dims as reticulate sees them: dim(x), (n,), or () for n = 1 */
  long long dims[CNTKR_MAX_RANK];
  R_xlen_t count;         /* ARG_LIST: reticulate objects */
  PyObject **items;
} arg_t;

/* R value `x` as an argument (see the header); 0 when it is of another kind */
static int read_arg(SEXP x, arg_t *arg) {
  memset(arg, 0, sizeof(*arg));
  if (x == R_NilValue) {
    arg->kind = ARG_NONE;
    return 1;
  }
  if ((arg->object = py_pointer(x)) != NULL) {
    arg->kind = ARG_OBJECT;
    return 1;
  }
  if (OBJECT(x)) return 0;
  if (TYPEOF(x) == LGLSXP && XLENGTH(x) == 1 && LOGICAL(x)[0] != NA_LOGICAL) {
    arg->kind = ARG_BOOL;
    arg->flag = LOGICAL(x)[0];
    return 1;
  }
  if (TYPEOF(x) == STRSXP && XLENGTH(x) == 1 && STRING_ELT(x, 0) != NA_STRING) {
    arg->kind = ARG_STRING;
    arg->text = Rf_translateCharUTF8(STRING_ELT(x, 0));
    return 1;
  }
  if (TYPEOF(x) == REALSXP) {
    SEXP dim = Rf_getAttrib(x, R_DimSymbol);
    if (dim != R_NilValue && (TYPEOF(dim) != INTSXP || XLENGTH(dim) > CNTKR_MAX_RANK)) return 0;
    arg->kind = ARG_ARRAY;
    arg->data = REAL(x);
    if (dim != R_NilValue) {
      arg->rank = (int)XLENGTH(dim);
      for (int j = 0; j < arg->rank; j++) arg->dims[j] = INTEGER(dim)[j];
    } else if (XLENGTH(x) != 1) {
      arg->rank = 1;
      arg->dims[0] = XLENGTH(x);
    }
    return 1;
  }
  if (TYPEOF(x) == VECSXP) {
    arg->kind = ARG_LIST;
    arg->count = XLENGTH(x);
    arg->items = (PyObject **)R_alloc(arg->count > 0 ? arg->count : 1, sizeof(PyObject *));
    for (R_xlen_t i = 0; i < arg->count; i++)
      if ((arg->items[i] = py_pointer(VECTOR_ELT(x, i))) == NULL) return 0;
    return 1;
  }
  return 0;
}

/* a new reference for `arg`, or NULL (a Python error); the GIL is held */
static PyObject *to_python(const arg_t *arg) {
  switch (arg->kind) {
    case ARG_NONE:
      py.IncRef(py.None);
      return py.None;
    case ARG_OBJECT:
      py.IncRef(arg->object);
      return arg->object;
    case ARG_BOOL:
      return py.Bool_FromLong(arg->flag);
    case ARG_STRING:
      return py.Unicode_FromString(arg->text);
    case ARG_LIST: {
      PyObject *list = py.List_New(arg->count);
      if (list == NULL) return NULL;
      for (R_xlen_t i = 0; i < arg->count; i++) {
        py.IncRef(arg->items[i]);
        py.List_SetItem(list, i, arg->items[i]);
      }
      return list;
    }
    case ARG_ARRAY: {
      /* RArray(address, dims) */
      PyObject *shape = py.Tuple_New(arg->rank), *args = NULL, *addr = NULL, *out = NULL;
      if (shape == NULL) return NULL;
      for (int j = 0; j < arg->rank; j++) {
        PyObject *d = py.Long_FromLongLong(arg->dims[j]);
        if (d == NULL) goto done;
        py.Tuple_SetItem(shape, j, d);
      }
      addr = py.Long_FromUnsignedLongLong((unsigned long long)(uintptr_t)arg->data);
      args = py.Tuple_New(2);
      if (addr == NULL || args == NULL) goto done;
      py.Tuple_SetItem(args, 0, addr);
      py.Tuple_SetItem(args, 1, shape);
      addr = shape = NULL; /* now owned by args */
      out = py.Object_Call(py.r_array, args, NULL);
    done:
      if (shape != NULL) py.DecRef(shape);
      if (addr != NULL) py.DecRef(addr);
      if (args != NULL) py.DecRef(args);
      return out;
    }
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
  arg_t *read = (arg_t *)R_alloc(nargs > 0 ? nargs : 1, sizeof(arg_t));
  for (R_xlen_t i = 0; i < nargs; i++)
    if (!read_arg(VECTOR_ELT(args, i), &read[i])) return R_NilValue;
  /* 0: not done; 1: a description in `result`; 2: a message in `message` */
  int kind = 0;
  Py_ssize_t len = 0;
  const int gil = py.GILState_Ensure();
  PyObject *tuple = py.Tuple_New(nargs);
  int ok = tuple != NULL;
  for (R_xlen_t i = 0; ok && i < nargs; i++) {
    PyObject *item = to_python(&read[i]);
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
