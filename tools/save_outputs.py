"""Run a notebook top to bottom in a fresh IPython shell and save it *with* its outputs.

Used for pages whose stored outputs are part of the record, such as `nbs/10_results.ipynb` (its outputs
come from the `summary.json` files that the real runs wrote). Every code cell runs, in the notebook's folder,
and the first error stops the run without touching the file. Afterwards run `nbdev_clean`, which keeps the
outputs and drops only the metadata that changes from run to run:

    python tools/save_outputs.py nbs/10_results.ipynb && nbdev_clean --fname nbs/10_results.ipynb
"""
import os
import sys
from pathlib import Path

from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell


def save_outputs(path) -> Path:
    p = Path(path).resolve()
    nb = read_nb(p)
    for c in nb.cells:  # a cell that prints nothing must not keep the outputs of an earlier version
        if c.cell_type == 'code': c.outputs, c.execution_count = [], None
    os.chdir(p.parent)
    sh = CaptureShell(p)
    sh.run_all(nb, exc_stop=True)  # raises on the first failing cell; the file is written only after all ran
    write_nb(nb, p)
    return p


if __name__ == "__main__":
    if len(sys.argv) < 2: sys.exit("usage: python tools/save_outputs.py NOTEBOOK [NOTEBOOK ...]")
    for a in sys.argv[1:]: print("saved", save_outputs(a))
