"""fp32 GEMM throughput on the CPU: `torch.mm` (MKL) against oneDNN (`gated_attention.kernels.mm_nt`), at the model's shapes.

A benchmark, not a test. For each linear layer of the `train_step.py` model (and a square 2048²
product) it times the three products of a training step, y = x Wᵀ, dx = g W and dW = gᵀ x, by
`torch.mm` and by oneDNN, interleaved round-robin in one process, and reports medians in GFLOP/s
with their range over rounds. oneDNN's dW is formed in the orientation `weight_grad` uses. It also
times the model's loss with its gradients (`linear_cross_entropy`, LM head shapes) in one piece
against chunks of `LCE_CHUNK_LOGITS` logits, with each library. Writes
`benchmarks/results/gemm.json` and `.md`, which the Benchmarks page shows.

    python benchmarks/gemm.py [--rounds 9] [--threads 2]
"""
import argparse, json, os, platform, statistics, time
from pathlib import Path
import torch

from gated_attention.config import atomic_write_text
from gated_attention.kernels import mm_nt, weight_grad, HAVE_ONEDNN, machine
from gated_attention.model import linear_cross_entropy, LCE_CHUNK_LOGITS
import train_step as ts

def shapes() -> dict:
    "name -> (tokens M, in K, out N) of the benchmark model's linear layers (batch 8 x seq 256 tokens)."
    s, M = ts.SHAPES, ts.BATCH * ts.SEQ
    hd = s['d_model'] // s['n_heads']
    return {'square 2048²': (2048, 2048, 2048), 'q,k,v (in_proj)': (M, s['d_model'], (s['n_heads'] + 2 * s['n_kv_heads']) * hd),
            'o_proj': (M, s['d_model'], s['d_model']), 'SwiGLU in (w13)': (M, s['d_model'], 2 * s['d_ff']),
            'SwiGLU out (w2)': (M, s['d_ff'], s['d_model']), 'LM head': (M, s['d_model'], s['vocab_size'])}

def products(M, K, N):
    "{(product, library): thunk} for the three products of a linear layer of these sizes."
    x, w, g = torch.randn(M, K), torch.randn(N, K), torch.randn(M, N)
    torch.backends.mkldnn.enabled = True
    return {('y = x Wᵀ', 'MKL'): lambda: x @ w.t(), ('y = x Wᵀ', 'oneDNN'): lambda: mm_nt(x, w),
            ('dx = g W', 'MKL'): lambda: g @ w, ('dx = g W', 'oneDNN'): lambda: mm_nt(g, w.t()),
            ('dW = gᵀ x', 'MKL'): lambda: g.t() @ x, ('dW = gᵀ x', 'oneDNN'): lambda: weight_grad(g, x)}

def interleave(thunks: dict, rounds: int) -> dict:
    "{key: [seconds per round]}: every thunk once per round, in alternating order; after two warm-up calls each."
    for f in thunks.values(): f(); f()                                   # warm-up (oneDNN builds its kernels on first use)
    t = {k: [] for k in thunks}
    for r in range(rounds):
        for k in (list(thunks) if r % 2 == 0 else list(thunks)[::-1]):
            s = time.perf_counter(); thunks[k](); t[k].append(time.perf_counter() - s)
    return t

def loss_thunks(M, K, N) -> dict:
    "{(pieces, library): thunk}: forward and backward of `linear_cross_entropy` over M rows, in one piece or in its default chunks."
    h, w, y = torch.randn(M, K, requires_grad=True), (torch.randn(N, K) * 0.02).requires_grad_(), torch.randint(0, N, (M,))
    def run(rows, onednn): linear_cross_entropy(h, w, y, rows, mm=mm_nt if onednn else None).backward()
    return {(p, lib): (lambda r=r, o=lib == 'oneDNN': run(r, o)) for p, r in (('one piece', M), ('chunks', None)) for lib in ('MKL', 'oneDNN')}

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--rounds', type=int, default=9)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'gemm'))
    a = ap.parse_args()
    if not HAVE_ONEDNN: raise SystemExit('gemm.py: this PyTorch build has no oneDNN (torch.ops.mkldnn._linear_pointwise)')
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    rows, load = [], [os.getloadavg()[0]]
    for name, (M, K, N) in shapes().items():
        ps = products(M, K, N)
        t = interleave(ps, a.rounds)
        load.append(os.getloadavg()[0])
        for prod in dict.fromkeys(p for p, _ in ps):
            gf = {lib: [2 * M * K * N / x / 1e9 for x in t[(prod, lib)]] for lib in ('MKL', 'oneDNN')}
            ratio = [m / o for m, o in zip(t[(prod, 'MKL')], t[(prod, 'oneDNN')])]
            rows.append(dict(layer=name, M=M, K=K, N=N, product=prod, **{f'{lib}_gflops': statistics.median(v) for lib, v in gf.items()},
                             **{f'{lib}_range': [min(v), max(v)] for lib, v in gf.items()}, speedup=statistics.median(ratio)))
        print(f'{name}: ' + ', '.join(f"{r['product']} ×{r['speedup']:.2f}" for r in rows[-3:]), flush=True)
    M, K, N = shapes()['LM head']
    lt = interleave(loss_thunks(M, K, N), a.rounds); load.append(os.getloadavg()[0])
    loss = [dict(library=lib, one_piece_ms=statistics.median(lt[('one piece', lib)]) * 1e3, chunks_ms=statistics.median(lt[('chunks', lib)]) * 1e3,
                 saved=statistics.median(1 - c / o for o, c in zip(lt[('one piece', lib)], lt[('chunks', lib)]))) for lib in ('MKL', 'oneDNN')]
    meta = dict(command=f'python benchmarks/gemm.py --rounds {a.rounds} --threads {a.threads}', date=time.strftime('%Y-%m-%d %H:%M'),
                hardware=f"{machine()['cpu']} ({'AVX-512' if machine()['avx512f'] else 'no AVX-512'}{', AMX' if machine()['amx'] else ''}), {os.cpu_count()} CPU cores," f' torch {torch.__version__}, {a.threads} threads, fp32',
                load_average=[min(load), max(load)])
    md = [f"fp32 GEMM, medians of {a.rounds} interleaved rounds, GFLOP/s [range]; {meta['hardware']}; {meta['date']}; "
          f"load average {min(load):.1f}–{max(load):.1f}. M = tokens (batch 8 × seq 256), K → N = the layer's input → output width.", '',
          '| layer (M × K → N) | product | MKL (`torch.mm`) | oneDNN (`mm_nt`) | speed-up (MKL time ÷ oneDNN time) |', '|---|---|---|---|---|']
    md += [f"| {r['layer']} ({r['M']} × {r['K']} → {r['N']}) | {r['product']} | {r['MKL_gflops']:.0f} [{r['MKL_range'][0]:.0f}–{r['MKL_range'][1]:.0f}] | "
           f"{r['oneDNN_gflops']:.0f} [{r['oneDNN_range'][0]:.0f}–{r['oneDNN_range'][1]:.0f}] | ×{r['speedup']:.2f} |" for r in rows]
    md += ['', f"The loss with its gradients, `linear_cross_entropy` forward and backward over {M} × {K} → {N} (the LM head), in one "
               f"piece and in chunks of {max(1, LCE_CHUNK_LOGITS // N)} rows (medians of {a.rounds} interleaved rounds; time saved: median of per-round ratios):", '',
           '| library | one piece (ms) | chunks (ms) | time saved by chunks |', '|---|---|---|---|']
    md += [f"| {r['library']} | {r['one_piece_ms']:.1f} | {r['chunks_ms']:.1f} | {r['saved']:.0%} |" for r in loss]
    md += ['', f"Reproduce: `{meta['command']}`"]
    out = Path(a.out); out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out.with_suffix('.json'), json.dumps(dict(meta=meta, results=rows, loss=loss), indent=1))
    atomic_write_text(out.with_suffix('.md'), '\n'.join(md) + '\n')
    print('\n'.join(md))

if __name__ == '__main__': main()
