"""torch.compile on a preset's training step: compile time, steady-state step time against eager, break-even steps.

A benchmark, not a test. Builds the preset's model twice (same seed), one under `torch.compile`,
times the first step of each (the compiled one compiles there), then alternates eager and
compiled steps for `--rounds` rounds in one process. The break-even point is the number of steps
after which the compiled run has made up its compile time; `TrainConfig(compile='auto')` compiles
runs longer than that (with a margin). Writes `benchmarks/results/compile_<preset>.json` and `.md`.

    python benchmarks/compile_step.py [--preset cpu] [--rounds 5] [--threads 2]
"""
import argparse, json, os, platform, statistics, time
import tempfile
os.environ.setdefault('TORCHINDUCTOR_CACHE_DIR', tempfile.mkdtemp(prefix='inductor-'))  # a cold compile, as a fresh run has
from pathlib import Path
import torch

from gated_attention.config import atomic_write_text
from gated_attention.model import GatedTransformer
from gated_attention.train_config import load_config

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--preset', default='cpu')
    ap.add_argument('--rounds', type=int, default=5)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results'))
    a = ap.parse_args()
    mc, tc = load_config(a.preset)
    torch.set_num_threads(a.threads)
    ids = torch.randint(0, mc.vocab_size, (tc.batch_size, mc.max_seq_len), generator=torch.Generator().manual_seed(0))
    runs = {}
    for name in ('eager', 'compiled'):
        torch.manual_seed(0); m = GatedTransformer(mc)
        runs[name] = (torch.compile(m) if name == 'compiled' else m, torch.optim.AdamW(m.parameters(), lr=1e-4, fused=True))
    def step(name):
        f, opt = runs[name]
        loss = f(ids, labels=ids, return_logits=False)[1]; loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)
        return loss.item()
    first, losses = {}, {}
    for name in runs:
        t = time.perf_counter(); losses[name] = step(name); first[name] = time.perf_counter() - t
    times, load = {n: [] for n in runs}, [os.getloadavg()[0]]
    for r in range(a.rounds):
        for n in (list(runs) if r % 2 == 0 else list(runs)[::-1]):
            t = time.perf_counter(); step(n); times[n].append(time.perf_counter() - t)
        load.append(os.getloadavg()[0])
        print(f'round {r + 1}/{a.rounds}: ' + ', '.join(f'{n} {v[-1]:.2f} s' for n, v in times.items()), flush=True)
    med = {n: statistics.median(v) for n, v in times.items()}
    speed = [e / c for e, c in zip(times['eager'], times['compiled'])]
    compile_s = first['compiled'] - med['compiled']
    saved = med['eager'] - med['compiled']
    tok = tc.batch_size * mc.max_seq_len
    res = dict(preset=a.preset, batch=tc.batch_size, seq=mc.max_seq_len, rounds=a.rounds, threads=a.threads,
               first_step_loss=losses, eager_step_s=med['eager'], compiled_step_s=med['compiled'],
               eager_tokens_per_s=tok / med['eager'], compiled_tokens_per_s=tok / med['compiled'],
               speedup=statistics.median(speed), speedup_range=[min(speed), max(speed)], compile_s=compile_s,
               break_even_steps=compile_s / saved if saved > 0 else None, load_average=[min(load), max(load)],
               hardware=f'{platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}', date=time.strftime('%Y-%m-%d %H:%M'),
               command=f'python benchmarks/compile_step.py --preset {a.preset} --rounds {a.rounds} --threads {a.threads}')
    be = f"{res['break_even_steps']:.0f} steps" if res['break_even_steps'] else 'never (no steady-state gain)'
    md = (f"`{a.preset}` preset (batch {tc.batch_size} × seq {mc.max_seq_len}, fp32, {a.threads} threads; {res['hardware']}; {res['date']}): "
          f"eager {res['eager_tokens_per_s']:,.0f} tokens/s, compiled {res['compiled_tokens_per_s']:,.0f} tokens/s "
          f"(× {res['speedup']:.2f}, range {min(speed):.2f}–{max(speed):.2f} over {a.rounds} interleaved rounds); "
          f"compilation took {compile_s:.0f} s, so compiling pays for itself after {be} (cold compile: an empty inductor cache). "
          f"Load average {min(load):.1f}–{max(load):.1f} on {os.cpu_count()} cores. Reproduce: `{res['command']}`\n")
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / f'compile_{a.preset}.json', json.dumps(res, indent=1))
    atomic_write_text(out / f'compile_{a.preset}.md', md)
    print(md)

if __name__ == '__main__': main()
