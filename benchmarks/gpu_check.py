"""The one prepared GPU check: CUDA AMP on the 8 GB preset, measured memory vs `estimate_memory`, tokens/s and MFU.

Run it on a machine with a CUDA GPU (about 3 minutes on an H100/H200):

    python benchmarks/gpu_check.py                    # writes benchmarks/results/gpu_check.{json,md}

For each precision mode (bf16 autocast; fp16 autocast + GradScaler; fp32) and with and without activation
checkpointing, it trains the `gpu-8gb` preset (the 50.9M-parameter G1 model, seq 512) on the bundled corpus
through the library's own training step (`gated_attention.train._train_step`), and records:
- peak memory: `torch.cuda.max_memory_allocated()` and `max_memory_reserved()` against `estimate_memory()`;
- tokens/s over the timed steps (after warm-up) and MFU = 6·N·tokens/s + attention FLOPs, over the GPU's
  dense bf16 peak (`--peak-tflops`, default 989 for H100/H200 SXM);
- the loss after the timed steps, so a broken precision mode shows up as a non-decreasing loss.

`--device cpu --preset tiny` runs the same code path on a CPU (bf16 and fp32 only) as a smoke test.
"""
import argparse, json, platform, time, subprocess
from dataclasses import asdict
from pathlib import Path
import torch

from gated_attention.config import atomic_write_text
from gated_attention.model import GatedTransformer
from gated_attention.data import default_tokens, RandomWindows
from gated_attention.train import load_config, TrainConfig, estimate_memory, make_optimizer, _train_step, lr_at
from gated_attention.parallel import autocast_ctx, Dist, parallelize


def flops_per_token(mc, n_params_no_embed: int) -> float:
    "Training FLOPs per token: 6N for the matmuls (PaLM appendix B) plus 12·L·H·hd·T for attention scores and values."
    return 6 * n_params_no_embed + 12 * mc.n_layers * mc.n_heads * mc.head_dim * mc.max_seq_len


def run_mode(mc, tc, device, steps, warmup, tokens):
    torch.manual_seed(0)
    d = Dist(device=torch.device(device))
    model = GatedTransformer(mc).to(d.device)
    opt = make_optimizer(model, tc, d.device.type)
    scaler = torch.amp.GradScaler('cuda') if tc.use_amp and tc.amp_dtype == 'fp16' else None
    wrapped = parallelize(model, tc, d)
    amp = autocast_ctx(tc, d.device)
    windows = RandomWindows(tokens, mc.max_seq_len, tc.batch_size, tc.seed)
    cuda = d.device.type == 'cuda'
    if cuda: torch.cuda.empty_cache(); torch.cuda.reset_peak_memory_stats()
    losses, t0 = [], None
    for step in range(warmup + steps):
        if step == warmup:
            if cuda: torch.cuda.synchronize()
            t0 = time.perf_counter()
        for g in opt.param_groups: g['lr'] = lr_at(step, tc)
        loss, gn = _train_step(wrapped, model, opt, scaler, windows, step, tc, d, amp)
        if scaler is not None: scaler.step(opt); scaler.update()
        else: opt.step()
        opt.zero_grad(set_to_none=True)
        losses.append(loss.item())
    if cuda: torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    tok_s = steps * tc.batch_size * tc.gradient_accumulation_steps * mc.max_seq_len / dt
    est = estimate_memory(mc, tc, d.device.type)
    return dict(peak_allocated=torch.cuda.max_memory_allocated() if cuda else None,
                peak_reserved=torch.cuda.max_memory_reserved() if cuda else None,
                estimate=est.total, estimate_breakdown=asdict(est), tokens_per_s=tok_s,
                flops_per_token=flops_per_token(mc, model.num_params(exclude_embeddings=True)),
                first_loss=losses[0], last_loss=losses[-1], step_s=dt / steps)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--preset', default='gpu-8gb')
    ap.add_argument('--device', default='cuda')
    ap.add_argument('--steps', type=int, default=30)
    ap.add_argument('--warmup', type=int, default=5)
    ap.add_argument('--peak-tflops', type=float, default=989.0, help='dense bf16 peak of the GPU, for MFU')
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'gpu_check'))
    a = ap.parse_args()
    if a.device.startswith('cuda'):
        assert torch.cuda.is_available(), 'no CUDA device: use --device cpu --preset tiny for a smoke test'
        torch.backends.cuda.matmul.allow_tf32 = True; torch.backends.cudnn.allow_tf32 = True
    mc, base = load_config(a.preset, {'max_steps': a.steps + a.warmup, 'warmup_steps': 2})
    tokens = default_tokens('train').tokens
    modes = [('bf16', dict(use_amp=True, amp_dtype='bf16')), ('fp32', dict(use_amp=False))]
    if a.device.startswith('cuda'): modes.insert(1, ('fp16+GradScaler', dict(use_amp=True, amp_dtype='fp16')))
    rows = []
    for ckpt in (False, True):
        for name, kw in modes:
            tc = TrainConfig(**{**asdict(base), **kw, 'activation_checkpointing': ckpt, 'device': a.device})
            r = run_mode(mc, tc, a.device, a.steps, a.warmup, tokens)
            r.update(mode=name, activation_checkpointing=ckpt, batch=f'{tc.batch_size}x{tc.gradient_accumulation_steps}',
                     mfu=r['tokens_per_s'] * r['flops_per_token'] / (a.peak_tflops * 1e12))
            rows.append(r)
            mem = f"peak {r['peak_allocated'] / 2**30:.2f} GiB" if r['peak_allocated'] else 'peak n/a'
            print(f"{name:16s} ckpt={ckpt!s:5s} {mem}, estimate {r['estimate'] / 2**30:.2f} GiB, {r['tokens_per_s']:,.0f} tok/s, "
                  f"MFU {100 * r['mfu']:.1f}%, loss {r['first_loss']:.3f} -> {r['last_loss']:.3f}", flush=True)
    dev = torch.cuda.get_device_name() if a.device.startswith('cuda') else (platform.processor() or platform.machine())
    commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()
    meta = dict(device=dev, torch=torch.__version__, cuda=torch.version.cuda, preset=a.preset, model=asdict(mc),
                steps=a.steps, warmup=a.warmup, peak_tflops=a.peak_tflops, commit=commit, date=time.strftime('%Y-%m-%d'),
                command=f'python benchmarks/gpu_check.py --preset {a.preset} --device {a.device} --steps {a.steps}')
    out = Path(a.out); out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out.with_suffix('.json'), json.dumps(dict(meta=meta, results=rows), indent=2))
    gib = lambda b: f'{b / 2**30:.2f}' if b else 'n/a'
    md = [f"`{a.preset}` preset on {dev} (torch {torch.__version__}, CUDA {torch.version.cuda}), {a.steps} timed steps after "
          f"{a.warmup} warm-up, commit {commit}, {meta['date']}. MFU against {a.peak_tflops:.0f} TFLOP/s dense bf16.", '',
          '| precision | act. ckpt | batch | peak allocated (GiB) | peak reserved (GiB) | estimate (GiB) | tokens/s | MFU | loss first → last |',
          '|---|---|---|---|---|---|---|---|---|']
    md += [f"| {r['mode']} | {r['activation_checkpointing']} | {r['batch']} | {gib(r['peak_allocated'])} | {gib(r['peak_reserved'])} | "
           f"{gib(r['estimate'])} | {r['tokens_per_s']:,.0f} | {100 * r['mfu']:.1f}% | {r['first_loss']:.3f} → {r['last_loss']:.3f} |" for r in rows]
    md += ['', f"Reproduce: `{meta['command']}`"]
    atomic_write_text(out.with_suffix('.md'), '\n'.join(md) + '\n')
    print('\n'.join(md))


if __name__ == '__main__': main()
