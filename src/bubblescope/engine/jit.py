"""How the engine's kernels are compiled.

Every stage of the quarter is scalar code over one path's arrays, compiled with Numba in
nopython mode, cached on disk next to the source (``__pycache__``), with IEEE arithmetic
(no ``fastmath``: the results must not depend on the compiler's reassociation) and NumPy's
error model (a division by zero gives ``inf``, as it does in the formulas the tests compare
with). Kernels release the GIL (``nogil``): the driver runs blocks of paths on a pool of
threads; each path only writes its own rows, so a path's numbers do not depend on its
block or on the number of threads.

Kernels pass their data as *structs*: one dataclass per structure declares the fields (for
readers and mypy), and a Numba ``StructRef`` registered for the same fields carries it into
compiled code by reference. With ``NUMBA_DISABLE_JIT=1`` every kernel is plain Python and
the dataclasses themselves are passed, which is the way to step through a stage in a
debugger.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

from numba import config, njit, types
from numba.core import cgutils
from numba.core.caching import FunctionCache, IndexDataCacheFile
from numba.experimental import structref
from numba.experimental.structref import _Utils
from numba.extending import intrinsic
from numba.np.arrayobj import make_array

#: False when ``NUMBA_DISABLE_JIT=1``: kernels then run as plain Python
JIT: bool = not config.DISABLE_JIT  # type: ignore[attr-defined]  # missing from the stubs

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

__all__ = ["JIT", "StructType", "borrow", "declare_struct", "engine_stamp", "hold",
           "kernel", "orchestrator", "pack", "rows_of", "threads"]


def kernel(fn: F) -> F:
    """Compile ``fn`` as a cached nopython kernel (plain Python with JIT disabled)."""
    return _compiled(fn, "never")


def orchestrator(fn: F) -> F:
    """Like :func:`kernel`, but inlined into its callers: for the thin functions that only
    call stages in order (the quarter, the settlement loop). Numba compiles a separate
    function together with everything it calls, so inlining them saves compiling the
    stages a second time (a quarter of the first-call compilation)."""
    return _compiled(fn, "always")


def _compiled(fn: F, inline: Literal["never", "always"]) -> F:
    if not JIT:
        return fn
    dispatcher = njit(cache=False, nogil=True, error_model="numpy", inline=inline)(fn)
    dispatcher._cache = _EngineCache(fn)  # type: ignore[attr-defined]  # private in numba
    return cast(F, dispatcher)


#: the engine's modules that hold kernels or what they read as constants
KERNEL_SOURCES = ("jit.py", "codes.py", "arrays.py", "state.py", "quarter.py", "driver.py",
                  "stages/*.py")


@functools.lru_cache(maxsize=1)
def engine_stamp() -> bytes:
    """Hash of every kernel source file of the engine (:data:`KERNEL_SOURCES`) and of
    Numba's version: the key of every cached kernel. Numba alone checks only the file a
    function is defined in, so a kernel calling a stage from another module would keep
    stale machine code after that stage changed."""
    import numba

    root = Path(__file__).resolve().parent
    digest = hashlib.sha256(numba.__version__.encode())
    for path in sorted(p for pattern in KERNEL_SOURCES for p in root.glob(pattern)):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.digest()


class _EngineCache(FunctionCache):
    """Numba's on-disk cache of a kernel, invalidated by any change to the engine's
    sources (:func:`engine_stamp`)."""

    def __init__(self, py_func: Callable[..., Any]) -> None:
        super().__init__(py_func)
        self._cache_file = IndexDataCacheFile(cache_path=self._cache_path,
                                              filename_base=self._impl.filename_base,
                                              source_stamp=engine_stamp())


class StructType(types.StructRef):
    """Base of the engine's struct types: fields keep their plain (non-literal) types, so
    one compiled kernel serves every network."""

    def preprocess_fields(self, fields: Any) -> tuple[tuple[str, Any], ...]:
        return tuple((name, types.unliteral(typ)) for name, typ in fields)


def field_names(data_cls: type) -> list[str]:
    """Field names of a dataclass, in declaration order."""
    return [f.name for f in dataclasses.fields(data_cls)]


def declare_struct(data_cls: type[T], type_cls: type, proxy_cls: type) -> Callable[..., T]:
    """Register ``proxy_cls`` (a ``StructRefProxy``) with the fields of ``data_cls`` and
    return the constructor kernels call: the proxy when compiled, the dataclass when JIT is
    disabled. ``type_cls`` and ``proxy_cls`` must be defined at module level (the disk
    cache finds them by name)."""
    structref.define_proxy(proxy_cls, type_cls, field_names(data_cls))
    return cast(Callable[..., T], proxy_cls if JIT else data_cls)


def pack(obj: T, packer: Callable[[tuple[Any, ...]], Any]) -> T:
    """``obj`` (a dataclass instance) as the struct kernels receive: built by ``packer``, a
    cached kernel ``lambda fields: Struct(*fields)`` of the struct's module (itself with
    JIT disabled)."""
    if not JIT:
        return obj
    return cast(T, packer(tuple(getattr(obj, name) for name in field_names(type(obj)))))


def threads() -> int:
    """Threads a simulation runs its blocks of paths on: ``BUBBLESCOPE_THREADS`` if set,
    else Numba's thread count (``NUMBA_NUM_THREADS``, by default the number of cores)."""
    import os

    from numba import get_num_threads

    value = os.environ.get("BUBBLESCOPE_THREADS")
    return max(1, int(value)) if value else max(1, get_num_threads())


def _null_meminfo(context: Any, builder: Any, typ: Any, value: Any) -> Any:
    """An array value like ``value`` with a null meminfo (no owner)."""
    src = make_array(typ)(context, builder, value=value)
    out = make_array(typ)(context, builder)
    cgutils.copy_struct(out, src)
    out.meminfo = cgutils.get_null_value(out.meminfo.type)
    return out._getvalue()


def _new_struct(context: Any, builder: Any, inst_type: Any) -> Any:
    """A zeroed instance of the struct type ``inst_type`` (as ``structref.new``)."""
    from numba.experimental.jitclass.base import imp_dtor

    model = context.data_model_manager[inst_type.get_data_type()]
    alloc_type = model.get_value_type()
    meminfo = context.nrt.meminfo_alloc_dtor(
        builder, context.get_constant(types.uintp, context.get_abi_sizeof(alloc_type)),
        imp_dtor(context, builder.module, inst_type))
    data = builder.bitcast(context.nrt.meminfo_data(builder, meminfo),
                           alloc_type.as_pointer())
    builder.store(cgutils.get_null_value(alloc_type), data)
    inst = context.make_helper(builder, inst_type)
    inst.meminfo = meminfo
    return inst._getvalue()


def _fields(context: Any, builder: Any, inst_type: Any, value: Any) -> Any:
    return _Utils(context, builder, inst_type).get_data_struct(value)


@intrinsic
def _borrow(typingctx: Any, st: Any) -> Any:
    if not isinstance(st, StructType):
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        out = _new_struct(context, builder, st)
        src, dst = (_fields(context, builder, st, args[0]),
                    _fields(context, builder, st, out))
        for name, typ in st.field_dict.items():
            value = getattr(src, name)
            if isinstance(typ, types.Array):
                value = _null_meminfo(context, builder, typ, value)
            else:
                context.nrt.incref(builder, typ, value)
            setattr(dst, name, value)
        return out

    return st(st), codegen


def row_type(st: Any, target: type) -> Any:
    """The struct type ``target`` with ``st``'s fields one dimension down (row views)."""
    return target([(name, typ.copy(ndim=typ.ndim - 1, layout="C"))
                   for name, typ in st.field_dict.items()])


def _row_struct(row_target: type) -> Any:
    @intrinsic
    def rows(typingctx: Any, st: Any, p: Any) -> Any:
        if not isinstance(st, StructType) or not isinstance(p, types.Integer):
            return None
        out_type = row_type(st, row_target)

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            out = _new_struct(context, builder, out_type)
            src, dst = (_fields(context, builder, st, args[0]),
                        _fields(context, builder, out_type, out))
            for name, typ in st.field_dict.items():
                sig = out_type.field_dict[name](typ, p)
                view = context.compile_internal(builder, lambda a, i: a[i], sig,
                                                [getattr(src, name), args[1]])
                setattr(dst, name, view)
            return out

        return out_type(st, p), codegen

    return rows


def borrow(st: T) -> T:
    """``st`` (a struct) with every array field borrowed: same data, no owner, so that
    reading a field costs no reference count (which otherwise takes most of a stage's
    time). The caller keeps ``st`` alive while the borrowed copy is used (:func:`hold`)."""
    return st


def rows_of(row_cls: type[T], row_struct: Any) -> Callable[[Any, int], T]:
    """A kernel-callable ``rows(st, p)`` giving the struct of ``row_cls`` whose fields are
    row ``p`` of ``st``'s array fields (views). ``row_struct`` is the struct type of
    ``row_cls``."""
    if JIT:
        return cast(Callable[[Any, int], T], _row_struct(row_struct))

    def rows(st: Any, p: int) -> T:
        names = [f.name for f in dataclasses.fields(cast(Any, row_cls))]
        return row_cls(**{name: getattr(st, name)[p] for name in names})

    return rows


if JIT:
    borrow = _borrow  # type: ignore[assignment]  # noqa: F811


@kernel
def hold(owner: Any) -> None:
    """Use ``owner`` here, so that compiled code keeps it — and every array borrowed from
    it — alive up to this point (Numba releases a variable after its last use)."""
    return None
