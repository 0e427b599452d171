"""Draw the attention block with the five gate positions G1-G5 of Qiu et al. (2025): `python tools/gate_diagram.py`.

Writes nbs/images/gate_positions.svg (committed; shown by nbs/index.ipynb, so README.md and the docs), byte-for-byte
deterministic: fixed hash salt, no date, glyphs drawn as paths (no font needed to view it).
"""
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

OUT = Path(__file__).resolve().parent.parent / "nbs" / "images" / "gate_positions.svg"

BOX, EDGE = "#eef2f7", "#44546a"
GATE, BEST = "#9aa5b1", "#d9480f"  # the four other positions, and G1


def box(ax, x, y, text, w=1.5, h=0.55, fc=BOX, fs=11):
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.08", fc=fc, ec=EDGE, lw=1.2))
    ax.text(x, y, text, ha="center", va="center", fontsize=fs, color="#1b1f24")


def arrow(ax, x0, y0, x1, y1, color=EDGE, ls="-"):
    ax.add_patch(FancyArrowPatch((x0, y0), (x1, y1), arrowstyle="-|>", mutation_scale=11, lw=1.2, color=color, ls=ls, shrinkA=0, shrinkB=0))


def gate(ax, x, y, name, best=False, side="right"):
    c = BEST if best else GATE
    ax.add_patch(Circle((x, y), 0.17, fc="white", ec=c, lw=2.2 if best else 1.6, zorder=3))
    ax.text(x, y, "σ", ha="center", va="center", fontsize=10, color=c, zorder=4, fontweight="bold")
    dx = 0.28 if side == "right" else -0.28
    ax.text(x + dx, y, name, ha="left" if side == "right" else "right", va="center", fontsize=11, color=c, fontweight="bold")


def draw():
    plt.rcParams.update({"svg.hashsalt": "gated_attention", "svg.fonttype": "path", "font.family": "DejaVu Sans"})
    fig, ax = plt.subplots(figsize=(7.2, 6.4))
    ax.set(xlim=(-0.2, 8.2), ylim=(-0.45, 8.0)); ax.axis("off")

    # the block input, normalised
    box(ax, 3.0, 7.45, "X = RMSNorm(h)", w=2.3)
    xs = {"q": 1.2, "k": 3.0, "v": 4.8}
    for x in xs.values(): arrow(ax, x, 6.95, x, 6.38)
    ax.plot([1.2, 4.8], [6.95, 6.95], color=EDGE, lw=1.2)
    ax.plot([3.0, 3.0], [7.17, 6.95], color=EDGE, lw=1.2)
    for n in "qkv": box(ax, xs[n], 6.1, f"$W_{n}$", w=1.0)
    # G4, G3, G2 just after the query, key and value projections
    for n, name in (("q", "G4"), ("k", "G3"), ("v", "G2")):
        arrow(ax, xs[n], 5.82, xs[n], 4.65)
        gate(ax, xs[n], 5.3, name)
    for n in "qk": box(ax, xs[n], 4.4, "RoPE", w=1.0, fs=10)
    for n in ("q", "k"): arrow(ax, xs[n], 4.12, 3.0 if n == "k" else 2.2, 3.43)
    arrow(ax, 4.8, 4.65, 3.8, 3.43)
    box(ax, 3.0, 3.15, r"SDPA  softmax$(QK^\top/\sqrt{d})\,V$", w=3.6)
    # G1: the paper's choice, after SDPA, before the heads are merged
    arrow(ax, 3.0, 2.87, 3.0, 1.83)
    gate(ax, 3.0, 2.35, "G1", best=True, side="left")
    box(ax, 3.0, 1.55, "$W_o$", w=1.0)
    arrow(ax, 3.0, 1.27, 3.0, 0.23)
    gate(ax, 3.0, 0.75, "G5")
    ax.text(3.0, -0.05, "attention output (added to h)", ha="center", va="center", fontsize=10, color="#1b1f24")

    # the gate score branch of G1: sigma(X W_theta), from the same normalised input
    ax.plot([4.15, 6.9], [7.45, 7.45], color=BEST, lw=1.4, ls="--")
    arrow(ax, 6.9, 7.45, 6.9, 5.58, color=BEST, ls="--")
    box(ax, 6.9, 5.3, r"$\sigma(X W_\theta)$", w=1.6, fc="#fff4e6")
    ax.plot([6.9, 6.9], [5.02, 2.35], color=BEST, lw=1.4, ls="--")
    arrow(ax, 6.9, 2.35, 3.2, 2.35, color=BEST, ls="--")
    ax.text(5.1, 2.55, r"$Y' = Y \odot \sigma(X W_\theta)$", ha="center", va="bottom", fontsize=11, color=BEST)
    ax.text(5.35, 2.15, "elementwise: one score per channel\nheadwise: one score per head", ha="center", va="top", fontsize=8.5, color="#5c4033")
    return fig


if __name__ == "__main__":
    draw().savefig(OUT, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    print(f"wrote {OUT.relative_to(OUT.parent.parent.parent)} ({OUT.stat().st_size:,} bytes)")
