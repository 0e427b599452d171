"""Where a training step's time goes, by op: `torch.profiler` on one step of each model, interleaved.

A benchmark, not a test. Profiles forward + backward + AdamW (default, non-fused AdamW, so the
optimizer's ops are visible) at the shapes of `train_step.py`, one step per model per round,
alternating the order each round, and averages each op's self CPU time over rounds. Writes
`benchmarks/results/profile_step.md` (and `.json`), which the Benchmarks page shows.

    python benchmarks/profile_step.py [--rounds 4] [--threads 2] [--top 24]
"""
import argparse, collections, json, os, platform, time
from pathlib import Path
import torch
from torch.profiler import profile

from gated_attention.config import atomic_write_text
import train_step as ts

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--rounds', type=int, default=4)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--top', type=int, default=24)
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'profile_step'))
    a = ap.parse_args()
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    builders = {'HF Llama': ts.hf_llama, 'ours, plain': ts.ours, 'ours, auto kernels': lambda: ts.ours('auto')}
    models = {}
    for n, b in builders.items():
        m, f = b(); m.train(); models[n] = (f, torch.optim.AdamW(m.parameters(), lr=1e-4))
    ids = torch.randint(0, ts.SHAPES['vocab_size'], (ts.BATCH, ts.SEQ))
    def step(n):
        f, opt = models[n]
        loss = f(ids); opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
    for n in models: step(n); step(n)
    ms, calls = ({n: collections.Counter() for n in models} for _ in range(2))
    for r in range(a.rounds):
        for n in (list(models) if r % 2 == 0 else list(models)[::-1]):
            with profile() as p: step(n)
            for e in p.key_averages():
                ms[n][e.key] += e.self_cpu_time_total / 1e3 / a.rounds; calls[n][e.key] += e.count / a.rounds
    keys = sorted(set().union(*ms.values()), key=lambda k: -max(c[k] for c in ms.values()))[:a.top]
    names = list(models)
    md = [f"Self CPU time per step (ms, under the profiler) and calls per step, mean of {a.rounds} interleaved rounds; "
          f"batch {ts.BATCH} × seq {ts.SEQ}, {ts.cpu_name()}, {os.cpu_count()} cores, {a.threads} threads, fp32, "
          f"torch {torch.__version__}, default AdamW; {time.strftime('%Y-%m-%d %H:%M')}, load average {os.getloadavg()[0]:.1f}.", '',
          '| op | ' + ' | '.join(f'{n} ms (calls)' for n in names) + ' |', '|---|' + '---|' * len(names)]
    md += [f'| `{k[:60]}` | ' + ' | '.join(f'{ms[n][k]:.0f} ({calls[n][k]:.0f})' for n in names) + ' |' for k in keys]
    mm = lambda n: sum(ms[n][k] for k in ('aten::mm', 'aten::addmm', 'aten::bmm', 'mkldnn::_linear_pointwise'))
    md += ['| **all ops** | ' + ' | '.join(f'**{sum(ms[n].values()):.0f}**' for n in names) + ' |',
           '| of which not matmul | ' + ' | '.join(f'{sum(ms[n].values()) - mm(n):.0f}' for n in names) + ' |',
           '', f'Reproduce: `python benchmarks/profile_step.py --rounds {a.rounds} --threads {a.threads}`']
    out = Path(a.out); out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out.with_suffix('.json'), json.dumps(dict(ms=ms, calls=calls), indent=1))
    atomic_write_text(out.with_suffix('.md'), '\n'.join(md) + '\n')
    print('\n'.join(md))

if __name__ == '__main__': main()
