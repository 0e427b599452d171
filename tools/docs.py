"""Build the documentation site offline, without Quarto: every notebook run once, rendered by smalldocs.

Called by `bash tools/docs.sh` when `quarto` is not on PATH (run that, not this). The steps:

1. `_proc/` and the output folder (`doc_path` of settings.ini, `_docs/`) are emptied: nothing from an
   earlier build is reused.
2. Each notebook that nbdev sees in `nbs/` (so not `_scratch.ipynb`) is run in its own fresh Python process,
   two at a time by default, through nbdev's own docs processors (front matter from `# Title` / `> summary`,
   `show_doc` cells added after exported definitions, `#| hide` cells and `#| export` sources removed,
   `#| echo: false` / `#| output: false` kept for the renderer, names in backticks linked to their docs),
   except that *every* cell that `nbdev_test` runs is executed, not only the `show_doc` ones, so pages show
   fresh outputs and figures. Cells flagged `#| notest` / `#| slow` (settings.ini `tst_flags`) or
   `#| eval: false` are shown but not run. The result goes to `_proc/`, named as nbdev names pages
   (`00_config.ipynb` -> `config.ipynb` -> `config.html`).
3. `_proc/_quarto.yml` is written from the top-level `_quarto.yml` (the one source of truth): notebook
   names and globs in the sidebar and navbar are mapped to the page names, the output folder is pointed at
   `_docs/`, and the Quarto-only `html-math-method` key is dropped.
4. smalldocs renders `_proc/` into `_docs/`; any smalldocs warning fails the build, and `smalldocs check`
   must find no broken link.
5. KaTeX is pointed at the vendored copy (`nbs/_static/katex`, copied to `_docs/_static/katex`), the theme's
   Google Fonts `@import` is removed (the theme's system-font fallbacks are used), and every page and
   stylesheet is scanned: anything loaded from another host fails the build.

Exit status 1 when a notebook raised, a page failed to render, or a check failed.
"""
import argparse
import concurrent.futures as cf
import fnmatch
import multiprocessing as mp
import os
import posixpath
import re
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

KATEX_CDN = re.compile(r"https://cdn\.jsdelivr\.net/npm/katex@[^/\"']+/dist/")
KATEX_DIR = "_static/katex"  # under nbs/, copied to the site as it is
WEB_FONT = re.compile(r"""@import\s+url\(\s*["']?https?://fonts\.googleapis\.com/[^)]*\)\s*;?""")
QUARTO_ONLY = [("format", "html", "html-math-method")]  # keys smalldocs does not read; Quarto needs them
# a resource the browser fetches by itself: src= anywhere, href= on <link>, url() in inline CSS
EXTERNAL = re.compile(r"""(?:\bsrc\s*=\s*["']?|<link\b[^>]*\bhref\s*=\s*["']?|url\(\s*["']?)((?:https?:)?//[^"'\s)>]+)""", re.I)


def page_name(nb: Path) -> str:
    "The page nbdev makes of a notebook: `00_config.ipynb` -> `config` (as `nbdev.doclinks._nbpath2html`)."
    from nbdev.doclinks import _nbpath2html
    return _nbpath2html(Path(nb.name)).stem


def notebooks(nbs: Path) -> list[Path]:
    "The notebooks nbdev works on (it skips names that start with `_` or `.`), sorted."
    from nbdev.doclinks import nbglob
    return sorted(nbglob(nbs, as_path=True))


# ---------------------------------------------------------------- one notebook (in a worker process)

def link_rewriter(names: dict, doc_root: str):
    "Rewrite links in Markdown: `00_config.ipynb#x` -> `config.ipynb#x`, and the site's own absolute URLs to relative ones."
    pat = re.compile(r"(\]\(|href=\")([^)\"#\s]+\.ipynb)([#)\"])")

    def fix(text: str) -> str:
        if doc_root: text = text.replace(doc_root, "")
        return pat.sub(lambda m: m.group(1) + names.get(m.group(2), m.group(2)) + m.group(3), text)
    return fix


def process_notebook(src: str, dst: str, names: dict, threads: int) -> dict:
    "Run one notebook through nbdev's docs processors with every testable cell executed; write it to `dst`."
    t0 = time.time()
    if threads:  # several notebooks at once on a few cores: keep torch from oversubscribing them
        os.environ.setdefault("OMP_NUM_THREADS", str(threads))
        os.environ.setdefault("MKL_NUM_THREADS", str(threads))
    import nbrun
    import yaml
    from execnb.nbio import read_nb, write_nb
    from nbdev.config import get_config
    from nbdev.process import NBProcessor
    from nbdev.processors import FilterDefaults, add_show_docs, exec_show_docs

    src, dst = Path(src), Path(dst)
    cfg = get_config()
    nbrun.setup_env(cfg.config_path)
    nb = read_nb(src)
    procs = [p for p in FilterDefaults().procs() if p is not exec_show_docs]
    procs.insert(procs.index(add_show_docs) + 1, nbrun.exec_cells)
    proc = NBProcessor(nb=nb, procs=procs)
    proc.process()
    ex = next(p for p in proc.procs if isinstance(p, nbrun.exec_cells))
    host, base = cfg.get("doc_host", ""), cfg.get("doc_baseurl", "")
    site_root = host.rstrip("/") + ("/" + base.strip("/") if base.strip("/") else "") + "/" if host else ""
    fix = link_rewriter(names, site_root)
    for cell in nb.cells:
        if cell.cell_type == "markdown": cell.source = fix(cell.source)
        for o in cell.get("outputs", []):
            md = o.get("data", {}).get("text/markdown")
            if md: o["data"]["text/markdown"] = [fix(s) for s in md] if isinstance(md, list) else fix(md)
    first = nb.cells[0] if nb.cells else None
    if first is not None and first.cell_type == "raw" and first.source.startswith("---"):
        fm = yaml.safe_load(first.source.strip().strip("-")) or {}
        fm.pop("output-file", None)  # the page is named by the file name here; smalldocs does not read this key
        first.source = f"---\n{yaml.safe_dump(fm, sort_keys=True, allow_unicode=True)}---\n"
    write_nb(nb, dst)
    return dict(name=src.name, page=dst.name, ok=ex.error is None, ran=ex.ran, secs=time.time() - t0, error=ex.error)


def run_notebooks(nbs: list[Path], proc: Path, names: dict, n_workers: int) -> list[dict]:
    "Run the notebooks, `n_workers` at a time, each in a fresh interpreter; results in input order."
    threads = max(1, (os.cpu_count() or 1) // n_workers) if n_workers > 1 else 0
    jobs = [(str(nb), str(proc / names[nb.name]), names, threads) for nb in nbs]
    if n_workers <= 1:
        return [safe_process(*j) for j in jobs]
    ctx = mp.get_context("spawn")
    fresh = {"max_tasks_per_child": 1} if sys.version_info >= (3, 11) else {}  # 3.10: a worker may run several
    with cf.ProcessPoolExecutor(n_workers, mp_context=ctx, **fresh) as pool:
        futs = [pool.submit(safe_process, *j) for j in jobs]
        out = []
        for f, j in zip(futs, jobs):
            try: out.append(f.result())
            except Exception as e: out.append(dict(name=Path(j[0]).name, page=None, ok=False, ran=0, secs=0.0, error=f"worker died: {e!r}"))
        return out


def safe_process(*args) -> dict:
    import traceback
    try: return process_notebook(*args)
    except Exception:
        return dict(name=Path(args[0]).name, page=None, ok=False, ran=0, secs=0.0, error=traceback.format_exc())


# ---------------------------------------------------------------- the site config

def drop_key(d: dict, path: tuple):
    for k in path[:-1]:
        d = d.get(k) if isinstance(d, dict) else None
        if d is None: return
    if isinstance(d, dict): d.pop(path[-1], None)


def map_entry(e, nb_names: list[str], names: dict):
    "Map one sidebar or navbar entry: a notebook name or glob becomes the page name(s); sections are mapped inside."
    if isinstance(e, str):
        if any(c in e for c in "*?["):
            hits = [n for n in nb_names if fnmatch.fnmatchcase(n, e.lstrip("/"))]
            return [names[n] for n in hits]
        return [names.get(e, e)]
    if isinstance(e, dict):
        e = dict(e)
        for k in ("href", "file"):
            if isinstance(e.get(k), str): e[k] = names.get(e[k], e[k])
        for k in ("contents", "left", "right", "menu"):
            if isinstance(e.get(k), list): e[k] = map_list(e[k], nb_names, names)
            elif isinstance(e.get(k), str): e[k] = map_list([e[k]], nb_names, names)
        return [e]
    return [e]


def map_list(items: list, nb_names: list[str], names: dict) -> list:
    return [x for e in items for x in map_entry(e, nb_names, names)]


def strings(x) -> set:
    "Every string in a nest of lists and dicts: the pages a sidebar names."
    if isinstance(x, str): return {x}
    if isinstance(x, dict): return set().union(*map(strings, x.values())) if x else set()
    if isinstance(x, list): return set().union(*map(strings, x)) if x else set()
    return set()


def site_config(src: Path, proc: Path, out: Path, nb_names: list[str], names: dict) -> tuple[dict, list[str]]:
    "The config smalldocs reads, from the top-level `_quarto.yml`; and the notebooks the sidebar leaves out."
    import yaml
    cfg = yaml.safe_load(src.read_text()) or {}
    for path in QUARTO_ONLY: drop_key(cfg, path)
    cfg.setdefault("project", {})["output-dir"] = os.path.relpath(out, proc)
    web = cfg.get("website", {})
    listed = set()
    for sb in web.get("sidebar", []) if isinstance(web.get("sidebar"), list) else [web.get("sidebar")]:
        if isinstance(sb, dict) and isinstance(sb.get("contents"), list):
            sb["contents"] = map_list(sb["contents"], nb_names, names)
            listed |= strings(sb["contents"])
    nav = web.get("navbar")
    if isinstance(nav, dict):
        for side in ("left", "right"):
            if isinstance(nav.get(side), list): nav[side] = map_list(nav[side], nb_names, names)
    missing = [n for n in nb_names if names[n] not in listed]
    return cfg, missing


# ---------------------------------------------------------------- after smalldocs

def localise_katex(out: Path) -> int:
    "Point the KaTeX links that smalldocs writes at the vendored copy; returns how many pages changed."
    n = 0
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        rel = os.path.relpath(out / KATEX_DIR, page.parent).replace(os.sep, "/") + "/"
        new = KATEX_CDN.sub(rel, text)
        if new != text:
            page.write_text(new, encoding="utf-8")
            n += 1
    return n


ANCHOR_LINK = re.compile(r'<a href="([^"#:]*)#([^"]+)"([^>]*)>(.*?)</a>', re.S)


def dead_anchors(out: Path) -> tuple[int, list[str]]:
    """Links to an anchor that the target page lacks. nbdev links every name in backticks that its index knows
    (`Tokenizer.load`, `_helper`) to `page.html#name`, whether or not the page documents it with `show_doc`:
    such a link is turned back into plain code. Any other link to a missing anchor is returned as a problem."""
    pages = {p.relative_to(out).as_posix(): p for p in out.rglob("*.html") if "site_libs" not in p.parts}
    ids = {n: set(re.findall(r'\bid="([^"]+)"', p.read_text(encoding="utf-8"))) for n, p in pages.items()}
    unlinked, bad = 0, []
    for name, path in pages.items():
        text = path.read_text(encoding="utf-8")

        def fix(m):
            nonlocal unlinked
            href, frag, inner = m.group(1), m.group(2), m.group(4)
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), href)) if href else name
            if target not in ids or frag in ids[target]: return m.group(0)
            if re.fullmatch(r"\s*<code>[^<]*</code>\s*", inner):
                unlinked += 1
                return inner
            bad.append(f"{name}: link to a missing anchor {href or name}#{frag}")
            return m.group(0)
        new = ANCHOR_LINK.sub(fix, text)
        if new != text: path.write_text(new, encoding="utf-8")
    return unlinked, bad


def drop_web_fonts(out: Path) -> list[str]:
    "Remove the Google Fonts `@import` of the Bootswatch themes: pages fall back to the theme's system font stack."
    done = []
    for css in sorted((out / "site_libs").rglob("*.css")):
        text = css.read_text(encoding="utf-8")
        new = WEB_FONT.sub("", text)
        if new != text:
            css.write_text(new, encoding="utf-8")
            done.append(css.relative_to(out).as_posix())
    return done


def external_requests(out: Path) -> list[str]:
    "Every resource a page would fetch from another host."
    bad = []
    for page in sorted(out.rglob("*.html")):
        for m in EXTERNAL.finditer(page.read_text(encoding="utf-8")):
            bad.append(f"{page.relative_to(out)}: {m.group(1)}")
    for css in sorted(out.rglob("*.css")):
        for m in re.finditer(r"""url\(\s*["']?((?:https?:)?//[^"')]+)""", css.read_text(encoding="utf-8", errors="replace")):
            bad.append(f"{css.relative_to(out)}: {m.group(1)}")
    return bad


# ---------------------------------------------------------------- main

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--n_workers", type=int, default=min(2, os.cpu_count() or 1), help="notebooks run at once (default: 2, or 1 on one core)")
    args = p.parse_args(argv)

    from nbdev.config import get_config
    cfg = get_config()
    root, nbs = cfg.config_path, cfg.nbs_path
    proc, out = root / "_proc", cfg.doc_path
    t_all = time.time()
    for d in (proc, out):
        shutil.rmtree(d, ignore_errors=True)
    proc.mkdir(parents=True)

    # the files beside the notebooks (styles, images, vendored KaTeX, nbdev.yml), as nbdev_proc_nbs copies them
    for f in sorted(nbs.rglob("*")):
        r = f.relative_to(nbs)
        if not f.is_file() or any(x.startswith(".") or x in ("_proc", "_docs", "_site") for x in r.parts): continue
        if f.suffix == ".ipynb" or r.as_posix() in ("_quarto.yml", "sidebar.yml"): continue
        (proc / r).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, proc / r)

    nb_list = notebooks(nbs)
    if not nb_list: print("docs: no notebooks in", nbs); return 1
    rel_names = [nb.relative_to(nbs).as_posix() for nb in nb_list]
    if any("/" in n for n in rel_names): print("docs: notebooks in sub-folders are not supported:", rel_names); return 1
    names = {nb.name: page_name(nb) + ".ipynb" for nb in nb_list}
    clash = {v for v in names.values() if list(names.values()).count(v) > 1}
    if clash: print("docs: two notebooks make the same page:", clash); return 1

    site_cfg, unlisted = site_config(root / "_quarto.yml", proc, out, rel_names, names)
    import yaml
    (proc / "_quarto.yml").write_text(yaml.safe_dump(site_cfg, sort_keys=False, allow_unicode=True))

    print(f"docs: running {len(nb_list)} notebook(s), {args.n_workers} at a time")
    t = time.time()
    results = run_notebooks(nb_list, proc, names, args.n_workers)
    for r in results:
        print(f"  {'ok  ' if r['ok'] else 'FAIL'} {r['name']:<28} {r['secs']:6.1f}s  {r['ran']:3d} cells run  -> {(r['page'] or '-').replace('.ipynb', '.html')}")
    print(f"docs: notebooks took {time.time() - t:.1f}s")
    failed = [r for r in results if not r["ok"]]
    for r in failed:
        print(f"\n---- {r['name']} raised ----\n{r['error']}", file=sys.stderr)

    problems = []
    if unlisted: problems.append(f"not in the sidebar of _quarto.yml: {', '.join(unlisted)}")

    t = time.time()
    from smalldocs.check import check
    from smalldocs.config import BuildError, ConfigError
    from smalldocs.site import build
    try:
        site = build(proc, quiet=True)
        problems += [f"smalldocs: {w}" for w in site.warnings]
        print(f"docs: smalldocs rendered {len(site.pages)} page(s) into {os.path.relpath(out)} in {time.time() - t:.1f}s")
    except (BuildError, ConfigError) as e:
        problems.append(f"smalldocs render failed: {e}")
    else:
        t = time.time()
        if check(proc): problems.append("smalldocs check found problems (listed above)")
        print(f"docs: smalldocs check took {time.time() - t:.1f}s")
        if not (out / KATEX_DIR / "katex.min.js").exists():
            problems.append(f"{KATEX_DIR}/katex.min.js is missing from the site: is nbs/{KATEX_DIR} there and in project.resources?")
        localise_katex(out)
        drop_web_fonts(out)
        unlinked, bad = dead_anchors(out)
        if unlinked: print(f"docs: {unlinked} link(s) from names in backticks to an undocumented name were made plain code")
        problems += bad
        problems += [f"external request: {x}" for x in external_requests(out)]

    for x in problems: print(f"docs: {x}", file=sys.stderr)
    n_ok = len(results) - len(failed)
    print(f"docs: {n_ok}/{len(results)} notebook(s) ran, {len(problems)} site problem(s), {time.time() - t_all:.1f}s in all")
    return 1 if failed or problems else 0


if __name__ == "__main__":
    sys.exit(main())
