"""Run each notebook once, as `nbdev_test` runs it, and make the documentation site from that run's outputs.

    python tools/docs.py test [NOTEBOOK ...] [--n_workers N] [--flags 'corpus']  # the tests; each notebook that passes: a page in _proc/
    python tools/docs.py render                              # smalldocs renders _proc/ into _docs/ (no Quarto needed)
    python tools/docs.py save NOTEBOOK ...                   # run notebooks and store their outputs in them

`test` runs nbdev's own `test_nb` (its skip rules and environment) in parallel as `nbdev_test` does, except that
execnb's shell keeps the notebook it ran (tools/nbrun.py); nbdev's docs processors (`FilterDefaults`) make the page, the `show_doc`
cells run in that shell instead of a second one (`exec_show_docs`). The readme notebook's run also writes
_proc/README/ (see tools/readme.py). With Quarto, `nbdev_docs` builds the site from the same _quarto.yml; for
smalldocs, whose pages are named as nbdev names them (`00_config.ipynb` -> `config.ipynb`), the sidebar's
notebook globs are expanded into those names in _proc/_quarto.yml.
"""
import argparse, os, re, shutil, sys, traceback
from fnmatch import fnmatch
from pathlib import Path

import nbdev.test
import yaml
from execnb.nbio import read_nb, write_nb
from fastcore.parallel import parallel
from nbdev.doclinks import _nbpath2html, nbglob  # _nbpath2html: nbdev's page name, `00_config.ipynb` -> `config.html`
from nbdev.process import NBProcessor
from nbdev.processors import FilterDefaults, add_show_docs, exec_show_docs, populate_language

import readme
from nbrun import CFG, execute

PROC = CFG.config_path / "_proc"
SITE = CFG.doc_host.rstrip("/") + "/" + CFG.doc_baseurl.strip("/") + "/"  # nbdev links names to here: made relative
QUARTO_ONLY = ("html-math-method", "output-file")  # smalldocs warns that it ignores these keys, which Quarto reads
WEB_FONT = re.compile(r"""@import\s+url\(\s*["']?https?://fonts\.googleapis\.com/[^)]*\)\s*;?""")


def make_page(nb, shell, pages: dict):
    "nbdev's docs processors on the run notebook, the added `show_doc` cells run in its shell; written to _proc/."
    if shell is None: FilterDefaults()(nb)  # not run (`skip_exec`): nbdev runs what show_doc needs
    else:
        NBProcessor(nb=nb, procs=[populate_language, add_show_docs], rm_directives=False).process()  # as nbdev orders them
        shell.run_cell("from nbdev.showdoc import show_doc")
        for cell in (c for c in nb.cells if getattr(c, "has_sd", False)):
            shell.cell(cell)
            if shell.exc: raise RuntimeError(f"{cell.source} raised") from shell.exc
        NBProcessor(nb=nb, procs=[p for p in FilterDefaults().procs() if p not in (populate_language, add_show_docs, exec_show_docs)]).process()
    # links to the published site made relative; links to `00_config.ipynb` made links to its page, `config.ipynb`
    relink = lambda t: re.sub(r"""(\]\(|href=")([^)"#\s/]+\.ipynb)""", lambda m: m[1] + pages.get(m[2], m[2]), t.replace(SITE, ""))
    for cell in nb.cells:
        if cell.cell_type == "markdown": cell.source = relink(cell.source)
        for o in cell.get("outputs", []):
            if "text/markdown" in o.get("data", {}): o.data["text/markdown"] = [relink(s) for s in o.data["text/markdown"]]
    write_nb(nb, PROC / pages[Path(nb.path_).name])


def run_one(fn: Path, pages: dict, flags: tuple = ()):
    "Test one notebook; if it passed, make its page (and the README, for the readme notebook)."
    ok, secs, nb, shell = execute(fn, flags)
    try:
        if ok and fn.name == CFG.readme_nb: readme.write(PROC / "README", *readme.to_markdown(nb))
        if ok: make_page(nb, shell, pages)
    except Exception:
        ok = False
        print(f"docs: the page of {fn.name} failed:\n{traceback.format_exc()}", file=sys.stderr)
    return ok, secs


def sidebar_pages(pages: dict):
    "In _proc/_quarto.yml, each sidebar `contents` glob of notebooks (`0*.ipynb`) replaced by the names of their pages, in file-name order."
    q = PROC / "_quarto.yml"; cfg = yaml.safe_load(q.read_text())
    def expand(c):
        if isinstance(c, str): return [p for n, p in sorted(pages.items()) if fnmatch(n, c)] or [c]
        if isinstance(c, list): return [x for e in c for x in (expand(e) if isinstance(e, str) else [expand(e)])]
        return {k: expand(v) if k == "contents" else v for k, v in c.items()} if isinstance(c, dict) else c
    sb = cfg["website"]["sidebar"]; sb["contents"] = expand(sb["contents"])
    q.unlink(); q.write_text(yaml.safe_dump(cfg, sort_keys=False))  # unlink: nbs/_quarto.yml may be copied as a link


def test(names: list, n_workers: int, flags: tuple = ()) -> int:
    fns = sorted(nbglob(CFG.nbs_path, as_path=True), key=lambda f: (f.name != CFG.readme_nb, f.name))
    if any(f.parent != CFG.nbs_path for f in fns): sys.exit(f"docs: notebooks in sub-folders are not supported: {fns}")
    pages = {f.name: _nbpath2html(Path(f.name)).with_suffix(".ipynb").name for f in fns}
    same = sorted(n for n, p in pages.items() if list(pages.values()).count(p) > 1)
    if same: sys.exit(f"docs: two notebooks make the same page (nbdev drops the number): {' '.join(same)}; rename one")
    todo = [f for f in fns if not names or f.name in {Path(n).name for n in names}]
    if not names: shutil.rmtree(PROC, ignore_errors=True)
    shutil.copytree(CFG.nbs_path, PROC, ignore=shutil.ignore_patterns("*.ipynb", ".*", "_proc", "_docs"), dirs_exist_ok=True)
    sidebar_pages(pages)
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // max(1, n_workers))))  # no oversubscribing
    with nbdev.test.working_directory(CFG.nbs_path):
        todo = sorted(todo, key=lambda f: -sum(len(c.source) for c in read_nb(f).cells if c.cell_type == "code"))  # most code (as a rule the slowest) first: the workers finish together
        res = parallel(run_one, todo, pages=pages, flags=tuple(flags), n_workers=n_workers, pause=0.01)
    for f, (ok, secs) in sorted(zip(todo, res), key=lambda x: -x[1][1]): print(f"{'PASS' if ok else 'FAIL'}  {f.name:<26} {secs:5.0f}s")
    bad = [f.name for f, (ok, _) in zip(todo, res) if not ok]
    print(f"docs test: {len(todo) - len(bad)} notebook(s) passed, {len(bad)} failed{': ' + ' '.join(bad) if bad else ''}")
    return 1 if bad or not todo else 0


def render() -> int:
    "smalldocs renders _proc/ into _docs/, KaTeX from the site's own copy and no web fonts; names nbdev linked to no anchor unlinked."
    import smalldocs.layout
    from smalldocs.site import build
    smalldocs.layout.KATEX = "_static/katex"  # the vendored copy, not the CDN (every page is at the top of the site)
    out = CFG.doc_path
    shutil.rmtree(PROC / out.name, ignore_errors=True)
    site = build(PROC, quiet=True)
    shutil.rmtree(out, ignore_errors=True)
    shutil.move(PROC / out.name, out)
    for css in out.rglob("*.css"): css.write_text(WEB_FONT.sub("", css.read_text()))
    html = {p.name: p.read_text() for p in out.glob("*.html")}
    ids = {n: set(re.findall(r'\bid="([^"]+)"', t)) for n, t in html.items()}
    for n, t in html.items():  # nbdev links every name it knows (`_helper` too) in backticks, documented or not
        link = r'<a href="([^"#:/]+\.html)#([^"]+)"[^>]*>(\s*<code>[^<]*</code>\s*)</a>'
        (out / n).write_text(re.sub(link, lambda m: m[3] if m[2] not in ids.get(m[1], {m[2]}) else m[0], t))
    warn = [w for w in site.warnings if not any(k in w for k in QUARTO_ONLY)]
    for w in warn: print(f"docs: smalldocs: {w}", file=sys.stderr)
    print(f"docs: {len(site.pages)} page(s) in {out.relative_to(CFG.config_path)}/, {len(warn)} warning(s)")
    return 1 if warn or not (out / "_static/katex/katex.min.js").exists() else 0


def save(names: list) -> int:
    "Run each notebook and store it with this run's outputs (then run nbdev_clean); the first that fails stops."
    for ok, _, nb, _ in map(execute, (Path(n).resolve() for n in names)):
        if not ok: return 1
        write_nb(nb, nb.path_)
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("cmd", choices=["test", "render", "save"])
    p.add_argument("notebooks", nargs="*", help="test: only these (default: all); save: these")
    p.add_argument("--n_workers", type=int, default=2, help="notebooks run at once (test)")
    p.add_argument("--flags", default="", help="test: space-separated test flags to run too, as `nbdev_test --flags` (e.g. 'corpus')")
    a = p.parse_intermixed_args()  # notebook names before or after the options
    return test(a.notebooks, a.n_workers, a.flags.split()) if a.cmd == "test" else render() if a.cmd == "render" else save(a.notebooks)


if __name__ == "__main__":  # the workers need `run_one` from a module: IPython takes over `__main__` in them
    import docs
    sys.exit(docs.main())
