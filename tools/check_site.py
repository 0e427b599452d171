"""Load the built docs (`_docs/`) in headless Chromium and fail on anything a reader would hit.

    python tools/check_site.py [--site _docs] [--out _docs_check] [--all-screenshots]

Fails on a console error or uncaught exception, a request that fails, answers >= 400 or goes to another host, a link
to a missing page or anchor, a page with no main text, maths that KaTeX did not render or that never became maths
(a `$...$` or a TeX command in the text a reader sees, outside code), or a search that finds nothing. Screenshots go
to `_docs_check/`. Needs Chromium from Debian (apt-get install -y chromium) and the `playwright` package.
"""
import argparse, functools, http.server, re, shutil, sys, threading
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
QUIET = type("Quiet", (http.server.SimpleHTTPRequestHandler,), {"log_message": lambda *a: None})  # no log per request
SHOTS, SEARCH_WORD = ["index.html", "results.html"], "attention"  # screenshots of these; the search must find this
# maths a reader sees as TeX: a $...$ span (Pandoc's rule: no space inside the dollars, no digit after) or a command
RAW_MATH = re.compile(r"(?<![\\$])\$(?=[^\s$])[^$\n]*?(?<=[^\s\\])\$(?!\d)|\\[a-zA-Z]{2,}\b")
PAGE_JS = """() => {
  const main = document.querySelector('main') || document.body, prose = main.cloneNode(true);
  prose.querySelectorAll('pre, code, script, style, .math, .katex').forEach(e => e.remove());  // the text, less code and maths
  return {text: (main.innerText || '').trim().length, prose: prose.textContent,
          ids: Array.from(document.querySelectorAll('[id]')).map(e => e.id),
          links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
          math: document.querySelectorAll('.math').length, katex: document.querySelectorAll('.math .katex').length,
          katexErrors: document.querySelectorAll('.katex-error').length};
}"""


def page_problems(name: str, info: dict) -> list:
    "What is wrong with one page's text and maths."
    out = [f"{name}: no main text ({info['text']} characters)"] if info["text"] < 40 else []
    if info["katex"] < info["math"]: out.append(f"{name}: {info['math'] - info['katex']} of {info['math']} maths not rendered by KaTeX")
    if info["katexErrors"]: out.append(f"{name}: {info['katexErrors']} KaTeX error(s)")
    p = info["prose"]
    return out + [f"{name}: maths left as text: {p[max(0, m.start() - 30):m.end() + 10]!r}" for m in list(RAW_MATH.finditer(p))[:3]]


def link_problems(seen: dict, base: str, site: Path) -> list:
    "Links between pages: the page must exist, and so must the anchor."
    out = []
    for name, info in seen.items():
        for url, frag in (urldefrag(h) for h in info["links"] if h.startswith(base)):
            target = unquote(url[len(base):]) or "index.html"
            target += "index.html" if target.endswith("/") else ""
            if not (site / target).exists(): out.append(f"{name}: broken link to {target}")
            elif frag and target in seen and unquote(frag) not in seen[target]["ids"]: out.append(f"{name}: link to a missing anchor {target}#{frag}")
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--site", type=Path, default=ROOT / "_docs", help="the built site (default _docs)")
    p.add_argument("--out", type=Path, default=ROOT / "_docs_check", help="where screenshots go (default _docs_check)")
    p.add_argument("--all-screenshots", action="store_true", help="a screenshot of every page")
    a = p.parse_args()
    site, out = a.site.resolve(), a.out.resolve()
    if not (site / "index.html").exists(): sys.exit(f"check_site: no {site}/index.html: build the docs first (python tools/docs.py test, then render)")
    chromium = next((c for c in (shutil.which("chromium"), shutil.which("chromium-browser")) if c), None)
    if not chromium: sys.exit("check_site: no Chromium; install it with: apt-get update && apt-get install -y chromium")
    pages = sorted((f.relative_to(site).as_posix() for f in site.rglob("*.html") if "site_libs" not in f.parts), key=lambda n: (n != "index.html", n))
    shutil.rmtree(out, ignore_errors=True); out.mkdir(parents=True)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QUIET, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base, problems, seen, where = f"http://127.0.0.1:{httpd.server_address[1]}/", [], {}, ["?"]
    bad = lambda msg: problems.append(f"{where[0]}: {msg}")

    def route(r):
        if r.request.url.startswith(("data:", "blob:")) or urlparse(r.request.url).hostname == "127.0.0.1": return r.continue_()
        bad(f"request to another host: {r.request.url}"); r.abort()

    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=ARGS, headless=True)
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
        ctx.route("**/*", route)
        page = ctx.new_page()
        page.on("console", lambda m: m.type == "error" and bad(f"console error: {m.text}"))
        page.on("pageerror", lambda e: bad(f"uncaught exception: {e}"))
        page.on("requestfailed", lambda r: urlparse(r.url).hostname == "127.0.0.1" and bad(f"request failed: {r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and bad(f"HTTP {r.status}: {r.url}"))
        for name in pages:
            where[0] = name
            page.goto(base + name, wait_until="load")  # every script (the deferred KaTeX ones included), stylesheet, image and font has run or arrived
            seen[name] = page.evaluate(PAGE_JS)
            problems.extend(page_problems(name, seen[name]))
            if name in SHOTS or a.all_screenshots: page.screenshot(path=str(out / f"{Path(name).stem}.png"), full_page=True)
        where[0] = "index.html"
        page.goto(base + "index.html", wait_until="networkidle")
        box = page.locator("input[type=search]").first
        if not box.count(): bad("no search box")
        else:
            box.fill(SEARCH_WORD)
            try: page.wait_for_selector(".smalldocs-search-results a", timeout=5000)
            except Exception: bad(f"the search box finds nothing for {SEARCH_WORD!r}")
            page.screenshot(path=str(out / "search.png"))
        browser.close()
    httpd.shutdown()
    problems = list(dict.fromkeys(problems + link_problems(seen, base, site)))
    for x in problems: print(f"check_site: {x}", file=sys.stderr)
    n_links = sum(h.startswith(base) for i in seen.values() for h in i["links"])
    print(f"check_site: {len(pages)} page(s), {n_links} internal link(s), {len(problems)} problem(s); screenshots in {out.name}/")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
