"""Load the built docs (`_docs/`) in headless Chromium and fail on anything a reader would hit.

    python tools/check_site.py [--site _docs] [--out _docs_check] [--all-screenshots]

Serves the site on 127.0.0.1 (a free port, a thread of this process), opens the index and every page, and
fails on: a console error or an uncaught exception, a request that fails or answers >= 400, a request to any
host but 127.0.0.1 (it is blocked, and reported), a link to a page or an anchor that is not there, a page with
no main text, maths left unrendered by KaTeX, or a search box that finds nothing. Saves screenshots of the
index (and of the results page, when there is one) to `_docs_check/`.

Needs Debian's Chromium and the `playwright` package (a dev requirement); playwright's own browser download is
not used:  apt-get update && apt-get install -y chromium
"""
import argparse
import functools
import http.server
import os
import re
import shutil
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urldefrag, urlparse, unquote

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = ["index.html", "results.html"]  # screenshots of these, when they exist
SEARCH_WORD = "attention"  # the index's search box must find this


def find_chromium() -> str:
    for c in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if c and Path(c).exists(): return c
    sys.exit("check_site: no Chromium; install it with: apt-get update && apt-get install -y chromium")


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass


def serve(site: Path):
    "Serve `site` on 127.0.0.1 at a free port, in a daemon thread."
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"


PAGE_JS = """() => {
  const main = document.querySelector('main') || document.body;
  const ids = Array.from(document.querySelectorAll('[id]')).map(e => e.id);
  const links = Array.from(document.querySelectorAll('a[href]')).map(a => a.href);
  return {text: (main.innerText || '').trim().length, title: document.title, ids, links,
          math: document.querySelectorAll('.math').length, katex: document.querySelectorAll('.math .katex').length,
          katexErrors: document.querySelectorAll('.katex-error').length};
}"""


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--site", default=str(ROOT / "_docs"), help="the built site (default _docs)")
    p.add_argument("--out", default=str(ROOT / "_docs_check"), help="where screenshots go (default _docs_check)")
    p.add_argument("--all-screenshots", action="store_true", help="a screenshot of every page, not only index and results")
    args = p.parse_args(argv)
    site, out = Path(args.site).resolve(), Path(args.out).resolve()
    if not (site / "index.html").exists(): sys.exit(f"check_site: {site}/index.html is missing: build the docs first (bash tools/docs.sh)")
    pages = sorted(f.relative_to(site).as_posix() for f in site.rglob("*.html") if "site_libs" not in f.parts)
    pages.remove("index.html"); pages.insert(0, "index.html")
    shutil.rmtree(out, ignore_errors=True); out.mkdir(parents=True)

    from playwright.sync_api import sync_playwright
    httpd, base = serve(site)
    problems, seen = [], {}
    t0 = time.time()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(), args=ARGS, headless=True)
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
        where = {"page": "?"}

        def route(r):
            host = urlparse(r.request.url).hostname
            if r.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1": return r.continue_()
            problems.append(f"{where['page']}: request to another host: {r.request.url}")
            r.abort()
        ctx.route("**/*", route)
        page = ctx.new_page()
        page.on("console", lambda m: m.type == "error" and problems.append(f"{where['page']}: console error: {m.text}"))
        page.on("pageerror", lambda e: problems.append(f"{where['page']}: uncaught exception: {e}"))
        page.on("requestfailed", lambda r: urlparse(r.url).hostname == "127.0.0.1" and problems.append(f"{where['page']}: request failed: {r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and problems.append(f"{where['page']}: HTTP {r.status}: {r.url}"))

        for name in pages:
            where["page"] = name
            page.goto(base + name, wait_until="networkidle")
            info = page.evaluate(PAGE_JS)
            seen[name] = info
            if info["text"] < 40: problems.append(f"{name}: no main text ({info['text']} characters)")
            if info["math"] and info["katex"] < info["math"]:
                problems.append(f"{name}: {info['math'] - info['katex']} of {info['math']} maths not rendered by KaTeX")
            if info["katexErrors"]: problems.append(f"{name}: {info['katexErrors']} KaTeX error(s)")
            if name in SHOTS or args.all_screenshots:
                page.screenshot(path=str(out / (Path(name).stem + ".png")), full_page=True)
            if name == "index.html":
                box = page.locator("input[type=search]").first
                if box.count():
                    box.fill(SEARCH_WORD)
                    try: page.wait_for_selector(".smalldocs-search-results a", timeout=5000)
                    except Exception: problems.append(f"index.html: the search box finds nothing for {SEARCH_WORD!r}")
                    page.screenshot(path=str(out / "search.png"))
                    box.fill("")
                else: problems.append("index.html: no search box")
        browser.close()
    httpd.shutdown()

    # links between pages: the page must exist, and so must the anchor
    n_links = 0
    for name, info in seen.items():
        for href in info["links"]:
            if not href.startswith(base): continue
            url, frag = urldefrag(href)
            target = unquote(url[len(base):]) or "index.html"
            if target.endswith("/"): target += "index.html"
            n_links += 1
            if not (site / target).exists():
                problems.append(f"{name}: broken link to {target}")
            elif frag and target in seen and unquote(frag) not in seen[target]["ids"]:
                problems.append(f"{name}: link to a missing anchor {target}#{frag}")

    problems = list(dict.fromkeys(problems))
    for x in problems: print(f"check_site: {x}", file=sys.stderr)
    shots = ", ".join(sorted(f.name for f in out.glob("*.png")))
    print(f"check_site: {len(pages)} page(s), {n_links} internal link(s) in {time.time() - t0:.1f}s; "
          f"{len(problems)} problem(s); screenshots in {os.path.relpath(out)}: {shots}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
