"""Make README.md from nbs/index.ipynb (settings.ini `readme_nb`): run it, then write GitHub Markdown.

    python tools/readme.py            # (re)write README.md
    python tools/readme.py --check    # exit 1 if README.md is not what the notebook makes now (CI)

README.md is generated: never edit it by hand, edit nbs/index.ipynb. This script is used whether or not
Quarto is installed (nbdev_readme needs Quarto and writes different Markdown), so that the README is the
same bytes on every machine and CI can regenerate it and compare.

How the notebook becomes Markdown:
- the notebook is run as `nbdev_test` runs it (tools/nbrun.py): cells with `#| notest` / `#| slow` /
  `#| eval: false` are not run; any error fails the script and leaves README.md as it was;
- Markdown cells are copied as they are, except that relative links and images (`images/x.svg`,
  `01_rope.ipynb`) are made relative to the repository root (`nbs/images/x.svg`), where README.md lives;
- `#| hide` and `#| include: false` cells are left out; `#| echo: false` drops the source and
  `#| output: false` the outputs; every other `#|` directive line is dropped from the source shown;
- a code cell's source becomes a ```python block; its outputs follow: streams and `text/plain` as plain
  ``` blocks, `text/markdown` as Markdown, images as PNG/SVG files in `README_files/` (named by cell and
  output number, the folder rewritten on each run, removed when empty) linked from the README. `text/html`
  is used only when nothing else is there.
"""
import argparse
import base64
import re
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import nbrun  # noqa: E402  (tools/nbrun.py, next to this file)

IMG_EXT = {"image/png": "png", "image/svg+xml": "svg", "image/jpeg": "jpg", "image/gif": "gif"}
# a Markdown link or image target, or an HTML src/href, that is relative (not http:, not #anchor, not /abs)
REL_LINK = re.compile(r"""(\]\(|\b(?:src|href)=")(?![a-zA-Z][a-zA-Z0-9+.-]*:|#|/)([^)"\s]+)""")
FENCE = re.compile(r"^(`{3,}|~{3,})")


def text_of(v) -> str:
    return "".join(v) if isinstance(v, list) else (v or "")


def fence(body: str, lang: str = "") -> str:
    "A code block whose fence no line inside it can close."
    longest = max((len(m) for m in re.findall(r"^`{3,}", body, re.M)), default=2)
    f = "`" * max(3, longest + 1)
    return f"{f}{lang}\n{body.rstrip()}\n{f}"


def relink(md: str, prefix: str) -> str:
    "Make the relative links of a Markdown cell relative to the README, outside code blocks and code spans."
    out, in_code = [], None
    for line in md.split("\n"):
        m = FENCE.match(line.lstrip())
        if in_code:
            if m and m.group(1)[0] == in_code[0] and len(m.group(1)) >= len(in_code): in_code = None
        elif m: in_code = m.group(1)
        else:
            parts = re.split(r"(`+[^`]*`+)", line)  # leave `code spans` alone
            line = "".join(p if p.startswith("`") else REL_LINK.sub(lambda k: k.group(1) + prefix + k.group(2), p) for p in parts)
        out.append(line)
    return "\n".join(out)


def output_md(out: dict, stem: str, files: dict) -> str | None:
    "One output as Markdown; pictures are added to `files` (name -> bytes)."
    kind = out.get("output_type")
    if kind == "stream":
        t = text_of(out.get("text"))
        return fence(t) if t.strip() else None
    if kind == "error":
        raise RuntimeError(f"an error output in {stem}: {out.get('ename')}: {out.get('evalue')}")
    data = out.get("data") or {}
    if "text/markdown" in data: return text_of(data["text/markdown"]).strip("\n")
    for mime, ext in IMG_EXT.items():
        if mime in data:
            v = text_of(data[mime])
            name = f"{stem}.{ext}"
            files[name] = v.encode() if mime == "image/svg+xml" else base64.b64decode(v)
            alt = text_of(data.get("text/plain", "")).strip().replace("\n", " ")
            alt = "" if alt.startswith("<") else alt  # "<Figure size 640x480 with 1 Axes>" is no description
            return f"![{alt}](README_files/{name})"
    if "text/plain" in data: return fence(text_of(data["text/plain"]))
    if "text/html" in data: return text_of(data["text/html"]).strip("\n")
    return None


def to_markdown(nb, prefix: str, note: str) -> tuple[str, dict]:
    "The README text and its pictures."
    from nbdev.process import extract_directives
    parts, files = [], {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            md = relink(cell.source.strip("\n"), prefix)
            parts.append(md)
            if i == 0 and note:  # after the title block, as nbdev_readme puts its warning
                parts.append(note)
            continue
        if cell.cell_type != "code": continue
        d = cell.directives_
        opt = lambda k: (d.get(k + ":") or [""])[0].lower()
        if "hide" in d or opt("include") == "false": continue
        src = "".join(l for l in cell.source.splitlines(True) if not re.match(r"\s*#\|", l)).strip("\n")
        if src and opt("echo") != "false": parts.append(fence(src, "python"))
        if opt("output") == "false": continue
        for j, out in enumerate(cell.get("outputs", [])):
            md = output_md(out, f"cell-{i}-output-{j}", files)
            if md: parts.append(md)
    return "\n\n".join(parts).rstrip() + "\n", files


def write(dest: Path, text: str, files: dict):
    (dest / "README.md").write_text(text, encoding="utf-8")
    img = dest / "README_files"
    shutil.rmtree(img, ignore_errors=True)
    if files:
        img.mkdir()
        for name, data in sorted(files.items()): (img / name).write_bytes(data)


def same(a: Path, b: Path) -> list[str]:
    "The files that differ between two README folders."
    def listing(d):
        fs = {"README.md": d / "README.md"} if (d / "README.md").exists() else {}
        if (d / "README_files").is_dir(): fs |= {f"README_files/{f.name}": f for f in (d / "README_files").iterdir()}
        return fs
    fa, fb = listing(a), listing(b)
    return sorted(n for n in fa.keys() | fb.keys() if n not in fa or n not in fb or fa[n].read_bytes() != fb[n].read_bytes())


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description="Make README.md from the readme notebook (nbs/index.ipynb).")
    p.add_argument("--check", action="store_true", help="compare with the README.md there is, change nothing; exit 1 if it differs")
    args = p.parse_args(argv)
    from nbdev.config import get_config
    cfg = get_config()
    root, nb_path = cfg.config_path, cfg.nbs_path / cfg.get("readme_nb", "index.ipynb")
    prefix = nb_path.parent.relative_to(root).as_posix() + "/"
    note = f"<!-- WARNING: THIS FILE WAS AUTOGENERATED FROM {nb_path.relative_to(root).as_posix()} BY tools/readme.py! DO NOT EDIT! -->"
    try:
        nb = nbrun.run_nb(nb_path)
        text, files = to_markdown(nb, prefix, note)
    except Exception as e:
        print(f"readme: {nb_path.relative_to(root)} did not run cleanly; README.md is unchanged.\n{e}", file=sys.stderr)
        return 1
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            write(Path(tmp), text, files)
            diff = same(Path(tmp), root)
            if diff:
                import difflib
                new, old = (Path(tmp) / "README.md").read_text(), (root / "README.md").read_text() if (root / "README.md").exists() else ""
                sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True), "README.md (committed)", "README.md (from the notebook)"))
                print(f"readme: out of date: {', '.join(diff)}; run `python tools/readme.py` and commit the result", file=sys.stderr)
                return 1
        print("readme: README.md is up to date")
        return 0
    write(root, text, files)
    print(f"readme: wrote README.md{f' and {len(files)} file(s) in README_files/' if files else ''} from {nb_path.relative_to(root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
