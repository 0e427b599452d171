"""Training-step throughput: gated_attention vs Hugging Face `LlamaForCausalLM` (SDPA), same shapes.

A benchmark, not a test. Times forward + backward + AdamW step in fp32 on the CPU, interleaving the
models round-robin in one process so that a busy shared machine slows all of them alike, and
reports the median over rounds. Writes `benchmarks/results/train_step.json` and `.md`, which the
docs show (nbs/02a_benchmark.ipynb).

    python benchmarks/train_step.py [--rounds 7] [--steps 4] [--threads 2]
"""
import argparse, json, platform, statistics, subprocess, time, os
from pathlib import Path
import torch

from gated_attention.config import ModelConfig, atomic_write_text
from gated_attention.model import GatedTransformer

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

def ours(**gate):
    m = GatedTransformer(ModelConfig(**SHAPES, **gate))
    return m, lambda ids: m(ids, labels=ids)[1]

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--rounds', type=int, default=7)
    ap.add_argument('--steps', type=int, default=4, help='timed steps per model per round')
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'train_step'))
    a = ap.parse_args()
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    builders = {'HF LlamaForCausalLM (sdpa)': hf_llama, 'ours: baseline': ours,
                'ours: G1 elementwise': lambda: ours(gate_position='G1'),
                'ours: G1 headwise': lambda: ours(gate_position='G1', gate_type='headwise')}
    models = {}
    for name, build in builders.items():
        m, loss_fn = build()
        m.train()
        models[name] = (m, loss_fn, torch.optim.AdamW(m.parameters(), lr=1e-4))
    ids = torch.randint(0, SHAPES['vocab_size'], (BATCH, SEQ))
    def step(name):
        m, loss_fn, opt = models[name]
        loss = loss_fn(ids); opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
    for name in models: step(name); step(name)                      # warm-up
    times = {n: [] for n in models}
    for r in range(a.rounds):
        for name in (list(models) if r % 2 == 0 else list(models)[::-1]):   # alternate order each round
            t = time.perf_counter()
            for _ in range(a.steps): step(name)
            times[name].append((time.perf_counter() - t) / a.steps)
        print(f'round {r + 1}/{a.rounds}: ' + ', '.join(f'{n.split(": ")[-1]} {times[n][-1] * 1e3:.0f} ms' for n in models), flush=True)
    tok = BATCH * SEQ
    med = {n: statistics.median(v) for n, v in times.items()}
    base, hf = med['ours: baseline'], med['HF LlamaForCausalLM (sdpa)']
    rows = [dict(model=n, params=sum(p.numel() for p in models[n][0].parameters()), median_step_ms=med[n] * 1e3,
                 tokens_per_s=tok / med[n], vs_hf_llama=hf / med[n], step_time_vs_our_baseline=med[n] / base)
            for n in models]
    try: commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()
    except Exception: commit = ''
    import transformers
    meta = dict(command='python benchmarks/train_step.py ' + f'--rounds {a.rounds} --steps {a.steps} --threads {a.threads}',
                hardware=f'{platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, torch {torch.__version__}, '
                         f'transformers {transformers.__version__}, {a.threads} threads, fp32',
                shapes=dict(SHAPES, batch=BATCH, seq=SEQ), rounds=a.rounds, steps_per_round=a.steps, commit=commit,
                date=time.strftime('%Y-%m-%d'))
    out = Path(a.out); out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out.with_suffix('.json'), json.dumps(dict(meta=meta, results=rows, raw_step_s=times), indent=2))
    md = [f"Training step (forward + backward + AdamW), median of {a.rounds} interleaved rounds × {a.steps} steps, "
          f"batch {BATCH} × seq {SEQ} = {tok} tokens; {meta['hardware']}; commit {commit}, {meta['date']}.", '',
          '| model | params | step (ms) | tokens/s | × HF Llama | step time vs our baseline |', '|---|---|---|---|---|---|']
    md += [f"| {r['model']} | {r['params']:,} | {r['median_step_ms']:.1f} | {r['tokens_per_s']:,.0f} | {r['vs_hf_llama']:.3f} | "
           f"{r['step_time_vs_our_baseline']:.3f} |" for r in rows]
    md += ['', f"Reproduce: `{meta['command']}`"]
    atomic_write_text(out.with_suffix('.md'), '\n'.join(md) + '\n')
    print('\n'.join(md))

if __name__ == '__main__': main()
