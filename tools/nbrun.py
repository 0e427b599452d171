"""Run one notebook as `nbdev_test` runs it, and keep the notebook it ran: the one runner of tools/docs.py and tools/readme.py.

nbdev's `test_nb` (its skip rules, flags and environment) runs the notebook in execnb's `CaptureShell` and then drops
it; `KeepShell` is that shell, keeping the notebook with this run's outputs. Imports nothing of tools/.
"""
from pathlib import Path

import nbdev.test
from execnb.nbio import read_nb
from execnb.shell import CaptureShell
from nbdev.config import get_config

CFG = get_config()


class KeepShell(CaptureShell):
    "execnb's shell, which `test_nb` uses and then drops; this one keeps the notebook, each cell run with fresh outputs."
    last = None

    def run_all(self, nb, preproc, **kwargs):
        KeepShell.last = self, nb
        def fresh(cell):  # a cell that runs shows only this run's outputs
            if preproc(cell): return True
            cell.outputs = []
        return super().run_all(nb, preproc=fresh, **kwargs)


nbdev.test.CaptureShell = KeepShell


def execute(fn: Path, flags: tuple = ()):
    "Run notebook `fn` with nbdev's `test_nb` (`flags`: test flags to run, as `nbdev_test --flags`): (passed, seconds, the notebook as stored with this run's outputs, the shell)."
    KeepShell.last = None
    ok, secs = nbdev.test.test_nb(fn, skip_flags=CFG.tst_flags.split(), force_flags=list(flags), basepath=CFG.config_path, do_print=True)
    shell, ran = KeepShell.last or (None, None)
    if ran is None and secs: raise RuntimeError("nbdev's test_nb ran no KeepShell.run_all: tools/nbrun.py needs nbdev 2.4.7's test_nb")
    nb = read_nb(fn)
    if ran is not None:  # test_nb's copy lost its title cell and `#|` lines; the code cells are the same, in order
        code = lambda n: [c for c in n.cells if c.cell_type == "code"]
        for a, b in zip(code(nb), code(ran), strict=True): a.outputs, a.execution_count = b.get("outputs", []), None
    return ok, secs, nb, shell
