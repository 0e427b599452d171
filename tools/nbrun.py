"""Run a notebook the way `nbdev_test` does, keeping the outputs: shared by tools/docs.py, tools/readme.py and tools/save_outputs.py.

A code cell is skipped, as in `nbdev_test`, when it calls `nbdev_export()`, has `#| eval: false`, or carries one
of the `tst_flags` of settings.ini (`#| notest`, `#| slow`). A notebook whose front matter says `skip_exec: true`
is not run at all. Cells run in a fresh IPython shell (execnb's `CaptureShell`) with the notebook's folder as the
working directory and the repository root first on `sys.path`, and with `IN_TEST=1` set, as under `nbdev_test`.
Every cell that runs gets fresh outputs; a skipped cell keeps whatever outputs are stored in the notebook.
"""
import os
import sys
import time
import traceback
from contextlib import contextmanager
from pathlib import Path

from execnb.shell import CaptureShell
from fastcore.basics import str2bool
from nbdev.config import get_config
from nbdev.process import Processor


def skip_flags() -> set:
    "The `tst_flags` of settings.ini: cells with these directives are not run."
    return set(get_config().get("tst_flags", "").split())


def skipped(cell, flags: set) -> bool:
    "Whether `nbdev_test` would leave this cell out (the same rule as `nbdev.test.test_nb`)."
    if cell.cell_type != "code": return True
    if "nbdev_export" + "(" in cell.source: return True
    d = getattr(cell, "directives_", {}) or {}
    if d.get("eval:", [""])[0].lower() == "false": return True
    return bool(flags & d.keys())


@contextmanager
def working_directory(path):
    old = os.getcwd()
    os.chdir(path)
    try: yield
    finally: os.chdir(old)


class NotebookError(Exception):
    "A cell of a notebook raised: the message holds the notebook, the cell and the traceback."


class exec_cells(Processor):
    """An nbdev processor that runs every code cell that `nbdev_test` runs, in order, storing fresh outputs.
    It stands where nbdev's `exec_show_docs` stands (which runs only the cells that `show_doc` needs).
    After the first error it runs nothing more and records the error in `self.error`."""
    def __init__(self, nb):
        super().__init__(nb)
        self.error, self.ran, self.k = None, 0, None

    def begin(self):
        fm = getattr(self.nb, "frontmatter_", {}) or {}
        if str2bool(fm.get("skip_exec", False)): return
        self.flags = skip_flags()
        self.path = Path(self.nb.path_)
        self.k = CaptureShell(self.path)  # puts the notebook's folder on sys.path, as nbdev_test does via execnb
        self.k.run_cell("from nbdev.showdoc import show_doc")

    def __call__(self, cell):
        if self.k is None or self.error is not None or skipped(cell, self.flags): return
        cell.outputs, cell.execution_count = [], None
        with working_directory(self.path.parent):
            self.k.cell(cell)
        self.ran += 1
        if self.k.exc:
            tb = self.k.prettytb(fname=self.path)
            self.error = f"{self.path.name}, cell {cell.idx_}:\n{cell.source}\n\n{tb}"


def setup_env(root: Path):
    "Environment of a notebook run, as under `nbdev_test`: `IN_TEST=1`, the repository root importable."
    os.environ["IN_TEST"] = "1"
    if str(root) not in sys.path: sys.path.insert(0, str(root))


def timed(f, *args, **kwargs):
    "Call `f`, returning `(result, seconds, error_text)`; the error text is None when it did not raise."
    t = time.time()
    try: return f(*args, **kwargs), time.time() - t, None
    except NotebookError as e: return None, time.time() - t, str(e)
    except Exception: return None, time.time() - t, traceback.format_exc()


def run_nb(nb_path: Path):
    "Run the notebook as nbdev_test would; returns it, with fresh outputs and `directives_` on each cell."
    from execnb.nbio import read_nb
    from nbdev.config import get_config
    from nbdev.process import NBProcessor
    setup_env(get_config().config_path)
    nb = read_nb(nb_path)
    proc = NBProcessor(nb=nb, procs=[exec_cells], rm_directives=False)
    proc.process()
    ex = proc.procs[0]
    if ex.error: raise NotebookError(ex.error)
    return nb
