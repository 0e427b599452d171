"""Peak memory measured, to check `estimate_memory`: the loss alone, or training steps per rank under torchrun.

A check, not a test (it reads this process's peak resident memory, VmHWM, so Linux only). Each mode
runs a warm-up first (imports, kernels), resets the peak, then measures the growth over `base`:

    python benchmarks/memory_peaks.py loss N V D [--bf16]     # linear_cross_entropy forward + backward, N rows, vocab V, width D
    MALLOC_MMAP_THRESHOLD_=131072 OMP_NUM_THREADS=1 torchrun --standalone --nproc_per_node=2 benchmarks/memory_peaks.py \\
        rank cpu '{"batch_size": 2, "max_seq_len": 64, "parallel": "fsdp"}'   # 2 training steps per rank (or plain `python`)

Prints one JSON line (per rank) with the measured and the estimated MiB.
"""
import json, os, sys
import torch

def rss(key: str) -> int: return int(next(l for l in open('/proc/self/status') if l.startswith(key)).split()[1]) * 1024
def reset_peak() -> int: open('/proc/self/clear_refs', 'w').write('5'); return rss('VmRSS')

def loss(N: int, V: int, D: int, bf16: bool = False) -> dict:
    from gated_attention.model import linear_cross_entropy
    h, w, y = torch.randn(N, D, requires_grad=True), (torch.randn(V, D) * 0.02).requires_grad_(), torch.randint(0, V, (N,))
    amp = torch.autocast('cpu', dtype=torch.bfloat16, enabled=bf16)
    for measured in (False, True):
        if measured: h.grad = w.grad = None; base = reset_peak()
        with amp: l = linear_cross_entropy(h, w, y)
        l.backward(); del l
    return dict(N=N, V=V, D=D, bf16=bf16, measured_MiB=(rss('VmHWM') - base) / 2**20)

def rank(preset: str, over: dict) -> dict:
    from gated_attention.config import ModelConfig
    from gated_attention.train_config import load_config
    from gated_attention.model import GatedTransformer
    from gated_attention.parallel import setup_distributed, parallelize, autocast_ctx
    from gated_attention.memory import estimate_memory
    mc, tc = load_config(preset, over); d = setup_distributed(tc); torch.set_num_threads(1)
    def steps(mc, n):
        torch.manual_seed(0); m = GatedTransformer(mc); w = parallelize(m, tc, d)
        opt, ids = torch.optim.AdamW(m.parameters(), fused=True), torch.randint(0, mc.vocab_size, (tc.batch_size, mc.max_seq_len))
        for _ in range(n):
            with autocast_ctx(tc, d.device): l = w(ids, labels=ids, return_logits=False)[1]
            l.backward(); opt.step(); opt.zero_grad(set_to_none=True)
    steps(ModelConfig(vocab_size=64, d_model=16, n_layers=mc.n_layers, n_heads=2, n_kv_heads=1, d_ff=32, max_seq_len=8), 1)   # warm-up
    base = reset_peak(); steps(mc, 2)
    return dict(rank=d.rank, world=d.world, parallel=tc.parallel, measured_MiB=(rss('VmHWM') - base) / 2**20,
                estimated_MiB=estimate_memory(mc, tc, 'cpu', d.world).total / 2**20)

if __name__ == '__main__':
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == 'loss': print(json.dumps(loss(*map(int, args[:3]), bf16='--bf16' in args)), flush=True)
    elif mode == 'rank':
        print(json.dumps(rank(args[0], json.loads(args[1]) if len(args) > 1 else {})), flush=True)
        if int(os.environ.get('WORLD_SIZE', 1)) > 1:
            import torch.distributed as dist; dist.barrier(); dist.destroy_process_group()
    else: raise SystemExit(f"memory_peaks.py: mode {mode!r}: choose 'loss' or 'rank'")
