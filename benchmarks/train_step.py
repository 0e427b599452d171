"""Training-step throughput: gated_attention vs Hugging Face `LlamaForCausalLM` (SDPA), same shapes.

A benchmark, not a test. Times forward + backward + AdamW step in fp32 on the CPU, interleaving the
models round-robin in one process (alternating the order each round) so that a busy shared machine
slows all of them alike, and reports medians over rounds with their spread. Rows: HF Llama; our
plain model (no kernels); our model after `kernels.apply(model, 'auto')`, what a default run picks
on this machine; each kernel alone; the G1 variants (auto); and our plain model under
torch.compile. In the same rounds it times a square fp32 matmul by `torch.mm` (MKL) and by oneDNN
and takes the faster as the machine's practical fp32 peak. Prints the CPU (`lscpu` model name,
AVX-512, AMX) with the results: every ratio here depends on it. Also reports torch.compile's
compile time, the load average, and the per-rank training memory under DDP and FSDP
(`estimate_memory`). Writes `benchmarks/results/train_step.json` and `.md` (nbs/27_benchmark.ipynb).

    python benchmarks/train_step.py [--rounds 7] [--steps 3] [--threads 2] [--no-compile] [--adamw fused|default]
"""
import argparse, json, os, platform, statistics, subprocess, time
import tempfile
os.environ.setdefault('TORCHINDUCTOR_CACHE_DIR', tempfile.mkdtemp(prefix='inductor-'))  # a cold compile, as a fresh run has
from dataclasses import asdict
from pathlib import Path
import torch

from gated_attention.config import ModelConfig, atomic_write_text
from gated_attention.model import GatedTransformer
from gated_attention import kernels
from gated_attention.train_config import KERNEL_NAMES

SHAPES = dict(vocab_size=8000, d_model=256, n_layers=4, n_heads=4, n_kv_heads=2, d_ff=688, max_seq_len=256)
BATCH, SEQ = 8, 256

def hf_llama():
    from transformers import LlamaConfig, LlamaForCausalLM
    c = LlamaConfig(vocab_size=SHAPES['vocab_size'], hidden_size=SHAPES['d_model'], num_hidden_layers=SHAPES['n_layers'],
                    num_attention_heads=SHAPES['n_heads'], num_key_value_heads=SHAPES['n_kv_heads'],
                    intermediate_size=SHAPES['d_ff'], max_position_embeddings=SEQ, rope_theta=10000.0,
                    rms_norm_eps=1e-6, tie_word_embeddings=False, attention_bias=False, mlp_bias=False)
    m = LlamaForCausalLM._from_config(c, attn_implementation='sdpa')
    return m, lambda ids: m(input_ids=ids, labels=ids).loss

def ours(mode='plain', compiled=False, **gate):
    "Our model as the training loop calls it: loss only (`return_logits=False`), with `kernels.apply(model, mode)`, optionally torch.compile'd."
    m = GatedTransformer(ModelConfig(**SHAPES, **gate))
    m.kernel_report = kernels.apply(m, mode, tokens=BATCH * SEQ)
    f = torch.compile(m) if compiled else m
    return m, lambda ids: f(ids, labels=ids, return_logits=False)[1]

def cpu_name() -> str:
    "The CPU as `lscpu` names it, with its AVX-512 and AMX flags."
    m = kernels.machine()
    return f"{m['cpu']} ({'AVX-512' if m['avx512f'] else 'no AVX-512'}{', AMX' if m['amx'] else ''})"

def model_flops(m) -> float:
    "Matmul FLOPs of one training step: 6 x (params - input embedding) per token + causal attention (6 L T d per token)."
    emb = SHAPES['vocab_size'] * SHAPES['d_model']
    n = sum(p.numel() for p in m.parameters()) - emb
    return BATCH * SEQ * (6 * n + 6 * SHAPES['n_layers'] * SEQ * SHAPES['d_model'])

def memory_per_rank(world: int = 2) -> list[dict]:
    "Estimated peak training memory per rank (`estimate_memory`) for the cpu preset: one process, DDP and FSDP over `world` ranks."
    from gated_attention.memory import estimate_memory
    from gated_attention.train_config import load_config
    mc, tc = load_config('cpu')
    rows = []
    for name, ranks, parallel in [('1 process', 1, 'ddp'), (f'DDP, {world} ranks', world, 'ddp'), (f'FSDP, {world} ranks', world, 'fsdp')]:
        tcr = type(tc)(**{**asdict(tc), 'batch_size': tc.batch_size // ranks, 'parallel': parallel})    # same global batch
        e = estimate_memory(mc, tcr, 'cpu', world=ranks)
        states, acts = e.weights + e.grads + e.optimizer, e.activations + e.logits
        rows.append(dict(setup=name, batch_per_rank=tcr.batch_size, states_MiB=states / 2**20, activations_MiB=acts / 2**20, total_MiB=e.total / 2**20))
    return rows

def run(a):
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    print(f'CPU: {cpu_name()}, torch {torch.__version__}, {a.threads} threads', flush=True)
    builders = {'HF LlamaForCausalLM (sdpa)': hf_llama, 'ours: plain (no kernels)': ours,
                'ours: auto (the default)': lambda: ours('auto'),
                'ours: G1 elementwise, auto': lambda: ours('auto', gate_position='G1'),
                'ours: G1 headwise, auto': lambda: ours('auto', gate_position='G1', gate_type='headwise')}
    for k in KERNEL_NAMES: builders[f'ours: {k} alone'] = (lambda k: lambda: ours(k))(k)
    if a.compile: builders['ours: plain, torch.compile'] = lambda: ours(compiled=True)
    ids = torch.randint(0, SHAPES['vocab_size'], (BATCH, SEQ))
    models, first_step = {}, {}
    for name, build in builders.items():
        torch.manual_seed(0)
        m, loss_fn = build(); m.train()
        opt = torch.optim.AdamW(m.parameters(), lr=1e-4, fused=a.adamw == 'fused')
        models[name] = (m, loss_fn, opt)
    def step(name):
        m, loss_fn, opt = models[name]
        loss = loss_fn(ids); opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
    for name in models:                                              # warm-up; the compiled model compiles here
        t = time.perf_counter(); step(name); first_step[name] = time.perf_counter() - t; step(name)
    n = a.peak_size
    A, B = torch.randn(n, n), torch.randn(n, n)
    matmuls = {'matmul': lambda: A @ B, 'matmul oneDNN': lambda: torch.ops.mkldnn._linear_pointwise(A, B, None, 'none', [], '')}
    names = list(models) + list(matmuls)
    times = {k: [] for k in names}
    load = [os.getloadavg()[0]]
    for r in range(a.rounds):
        for name in (names if r % 2 == 0 else names[::-1]):
            t = time.perf_counter()
            for _ in range(a.steps):
                if name in matmuls: matmuls[name]()
                else: step(name)
            times[name].append((time.perf_counter() - t) / a.steps)
        load.append(os.getloadavg()[0])
        print(f'round {r + 1}/{a.rounds}: ' + ', '.join(f'{k.split(": ")[-1]} {times[k][-1] * 1e3:.0f} ms' for k in names), flush=True)
    return models, times, first_step, load

def spread(v): return dict(min=min(v), q1=statistics.quantiles(v, n=4)[0] if len(v) > 1 else v[0], median=statistics.median(v),
                           q3=statistics.quantiles(v, n=4)[2] if len(v) > 1 else v[0], max=max(v))

def summarise(a, models, times, first_step, load):
    tok = BATCH * SEQ
    peak = 2 * a.peak_size ** 3 / min(statistics.median(times['matmul']), statistics.median(times['matmul oneDNN']))
    med = {k: statistics.median(v) for k, v in times.items()}
    hf, base = 'HF LlamaForCausalLM (sdpa)', 'ours: auto (the default)'
    ratio = lambda num, den: [x / y for x, y in zip(times[num], times[den])]   # per-round ratios (same round, same load)
    rows = []
    for name, (m, _, _) in models.items():
        vs_hf, vs_base = ratio(hf, name), ratio(name, base)
        rows.append(dict(model=name, params=sum(p.numel() for p in m.parameters()), median_step_ms=med[name] * 1e3,
                         step_ms_spread=[min(times[name]) * 1e3, max(times[name]) * 1e3], tokens_per_s=tok / med[name],
                         vs_hf_llama=statistics.median(vs_hf), vs_hf_llama_spread=[min(vs_hf), max(vs_hf)],
                         step_time_vs_our_baseline=statistics.median(vs_base), vs_baseline_spread=[min(vs_base), max(vs_base)],
                         share_of_matmul_peak=model_flops(m) / med[name] / peak, first_step_s=first_step[name],
                         kernels=kernels.summary(m.kernel_report) if hasattr(m, 'kernel_report') else ''))
    return rows, peak

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--rounds', type=int, default=7)
    ap.add_argument('--steps', type=int, default=3, help='timed steps per model per round')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--adamw', choices=['fused', 'default'], default='fused', help='AdamW for every model (fused: one kernel per step)')
    ap.add_argument('--no-compile', dest='compile', action='store_false', help='leave out the torch.compile model')
    ap.add_argument('--peak-size', type=int, default=2048, help='n of the n x n fp32 matmul timed as the peak')
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'train_step'))
    a = ap.parse_args()
    models, times, first_step, load = run(a)
    rows, peak = summarise(a, models, times, first_step, load)
    try: commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()
    except Exception: commit = ''
    import transformers
    cmd = (f'python benchmarks/train_step.py --rounds {a.rounds} --steps {a.steps} --threads {a.threads} --adamw {a.adamw}'
           + ('' if a.compile else ' --no-compile'))
    meta = dict(command=cmd, cpu=cpu_name(), hardware=f'{cpu_name()}, {os.cpu_count()} CPU cores, torch {torch.__version__}, '
                                      f'transformers {transformers.__version__}, {a.threads} threads, fp32',
                shapes=dict(SHAPES, batch=BATCH, seq=SEQ), rounds=a.rounds, steps_per_round=a.steps, adamw=a.adamw, commit=commit,
                date=time.strftime('%Y-%m-%d %H:%M'), matmul_peak_gflops=peak / 1e9, peak_size=a.peak_size,
                matmul_gflops={k: 2 * a.peak_size ** 3 / statistics.median(times[k]) / 1e9 for k in ('matmul', 'matmul oneDNN')},
                matmul_ms_spread=spread([t * 1e3 for t in times['matmul']]),
                onednn_matmul_ms_spread=spread([t * 1e3 for t in times['matmul oneDNN']]), load_average=dict(start=load[0], max=max(load), end=load[-1]))
    mem = memory_per_rank()
    out = Path(a.out); out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out.with_suffix('.json'), json.dumps(dict(meta=meta, results=rows, memory_per_rank=mem, raw_step_s=times), indent=2))
    atomic_write_text(out.with_suffix('.md'), markdown(meta, rows, mem))
    print(markdown(meta, rows, mem))

def markdown(meta, rows, mem) -> str:
    tok, la, mm, dn = meta['shapes']['batch'] * meta['shapes']['seq'], meta['load_average'], meta['matmul_ms_spread'], meta['onednn_matmul_ms_spread']
    g = meta['matmul_gflops']
    md = [f"Training step (forward + backward + {meta['adamw']} AdamW), medians of {meta['rounds']} interleaved rounds × "
          f"{meta['steps_per_round']} steps, batch {meta['shapes']['batch']} × seq {meta['shapes']['seq']} = {tok} tokens; "
          f"{meta['hardware']}; commit {meta['commit']}, {meta['date']}. Ratios are medians of per-round ratios "
          "(each round runs every model back to back), with their range over rounds.", '',
          '| model | params | step (ms) [range] | tokens/s | × HF Llama [range] | step time vs our default [range] | share of matmul peak |',
          '|---|---|---|---|---|---|---|']
    md += [f"| {r['model']} | {r['params']:,} | {r['median_step_ms']:.0f} [{r['step_ms_spread'][0]:.0f}–{r['step_ms_spread'][1]:.0f}] | "
           f"{r['tokens_per_s']:,.0f} | {r['vs_hf_llama']:.3f} [{r['vs_hf_llama_spread'][0]:.2f}–{r['vs_hf_llama_spread'][1]:.2f}] | "
           f"{r['step_time_vs_our_baseline']:.3f} [{r['vs_baseline_spread'][0]:.2f}–{r['vs_baseline_spread'][1]:.2f}] | "
           f"{r['share_of_matmul_peak']:.0%} |" for r in rows]
    auto = next(r for r in rows if r['model'] == 'ours: auto (the default)')
    md += ['', f"What `'auto'` picked on this CPU ({meta['cpu']}), gains as plain time ÷ kernel time per shape: {auto['kernels']}. "
               "Another CPU picks differently: the ratios in this table hold for this CPU only."]
    comp = [r for r in rows if 'compile' in r['model']]
    md += ['', f"Matmul peak: a {meta['peak_size']}² fp32 matmul in the same rounds, by `torch.mm` (MKL) {g['matmul']:.0f} GFLOP/s "
               f"({mm['min']:.0f}–{mm['max']:.0f} ms) and by oneDNN {g['matmul oneDNN']:.0f} GFLOP/s ({dn['min']:.0f}–{dn['max']:.0f} ms); "
               f"the peak is the faster, {meta['matmul_peak_gflops']:.0f} GFLOP/s. Share of peak = (6 × (parameters − input embedding) "
               "+ causal attention FLOPs) per token × tokens/s ÷ that peak."]
    if comp: md += ['', f"torch.compile: first step (compilation included) {comp[0]['first_step_s']:.1f} s."]
    md += ['', f"How noisy the machine was: 1-minute load average {la['start']:.1f} at the start, up to {la['max']:.1f}, "
               f"{la['end']:.1f} at the end, on {os.cpu_count()} cores; the ranges above show the spread over rounds.", '',
           'Estimated training memory per rank, `cpu` preset, same global batch (`estimate_memory(..., world=2)`; FSDP shards '
           'weights, gradients and AdamW states, gathering one block at a time and the embeddings and head for the whole step; '
           'DDP adds its gradient buckets):', '',
           '| setup | batch per rank | weights + grads + AdamW (MiB) | activations + logits (MiB) | total (MiB) |', '|---|---|---|---|---|']
    md += [f"| {m['setup']} | {m['batch_per_rank']} | {m['states_MiB']:.0f} | {m['activations_MiB']:.0f} | {m['total_MiB']:.0f} |" for m in mem]
    md += ['', f"Reproduce: `{meta['command']}`"]
    return '\n'.join(md) + '\n'

if __name__ == '__main__': main()
