"""Run a notebook as `nbdev_test` runs it (tools/nbrun.py) and save it *with* its outputs.

Used for pages whose stored outputs are part of the record, such as `nbs/10_results.ipynb` (its outputs
come from the `summary.json` files that the real runs wrote). Every cell that `nbdev_test` runs gets fresh
outputs; the first error stops the run without touching the file. Afterwards run `nbdev_clean`, which keeps
the outputs and drops only the metadata that changes from run to run:

    python tools/save_outputs.py nbs/10_results.ipynb && nbdev_clean --fname nbs/10_results.ipynb
"""
import sys
from pathlib import Path

from execnb.nbio import write_nb

sys.path.insert(0, str(Path(__file__).resolve().parent))
import nbrun  # noqa: E402  (tools/nbrun.py, next to this file)


if __name__ == "__main__":
    if len(sys.argv) < 2: sys.exit("usage: python tools/save_outputs.py NOTEBOOK [NOTEBOOK ...]")
    for a in sys.argv[1:]:
        p = Path(a).resolve()
        write_nb(nbrun.run_nb(p), p)   # run_nb raises on the first failing cell, before anything is written
        print("saved", p)
