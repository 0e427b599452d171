"""Tokenizing throughput of `prepare_data` on parquet shards: 1 worker against N, and the token cache's size on disk.

A benchmark, not a test. Writes the bundled training corpus as `--shards` parquet files (one `text`
column, one row per document) in a temporary folder, then runs `prepare_data` on them into a fresh
cache, alternating 1 worker and `--workers` workers for `--rounds` rounds, and reports tokens/s
(medians, with the range) and the bytes of the parquet files and of the token cache. Writes
`benchmarks/results/tokenizing.json` and `.md`, which the data page shows.

    python benchmarks/tokenizing.py [--rounds 3] [--workers 2] [--shards 4]
"""
import argparse, json, os, platform, statistics, tempfile, time
from pathlib import Path
import pyarrow as pa, pyarrow.parquet as pq

from gated_attention.config import atomic_write_text
from gated_attention.data import read_corpus, prepare_data, Tokenizer

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--shards', type=int, default=4)
    ap.add_argument('--out', default=str(Path(__file__).parent / 'results' / 'tokenizing'))
    a = ap.parse_args()
    docs, tok = read_corpus('train'), Tokenizer.load()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for i in range(a.shards): pq.write_table(pa.table({'text': docs[i::a.shards]}), tmp / f'shard-{i:02d}.parquet')
        parquet_bytes = sum(f.stat().st_size for f in tmp.glob('*.parquet'))
        rates, load = {1: [], a.workers: []}, [os.getloadavg()[0]]
        for r in range(a.rounds):
            for w in ([1, a.workers] if r % 2 == 0 else [a.workers, 1]):
                cache = tempfile.mkdtemp(dir=tmp)
                t = time.perf_counter(); td = prepare_data(str(tmp / '*.parquet'), tok, cache_dir=cache, progress=False, workers=w)
                rates[w].append(len(td) / (time.perf_counter() - t))
            load.append(os.getloadavg()[0])
            print(f'round {r + 1}/{a.rounds}: ' + ', '.join(f'{w} worker(s) {v[-1] / 1e6:.2f} M tokens/s' for w, v in rates.items()), flush=True)
        res = dict(tokens=len(td), documents=td.n_documents, dtype=td.meta['dtype'], cache_bytes=td.path.stat().st_size, parquet_bytes=parquet_bytes,
                   shards=a.shards, tokens_per_s={w: statistics.median(v) for w, v in rates.items()},
                   range={w: [min(v), max(v)] for w, v in rates.items()}, speedup=statistics.median(rates[a.workers]) / statistics.median(rates[1]),
                   load_average=[min(load), max(load)], date=time.strftime('%Y-%m-%d %H:%M'),
                   hardware=f'{platform.machine()}, {os.cpu_count()} CPU cores', command=f'python benchmarks/tokenizing.py --rounds {a.rounds} --workers {a.workers} --shards {a.shards}')
    t1, tn = res['tokens_per_s'][1], res['tokens_per_s'][a.workers]
    md = (f"The bundled training corpus as {a.shards} parquet shards ({res['documents']:,} documents, {parquet_bytes / 2**20:.1f} MiB): "
          f"`prepare_data` tokenized it at {t1 / 1e6:.2f} M tokens/s with 1 worker and {tn / 1e6:.2f} M tokens/s with {a.workers} "
          f"(× {res['speedup']:.2f}; medians of {a.rounds} interleaved rounds, ranges {res['range'][1][0] / 1e6:.2f}–{res['range'][1][1] / 1e6:.2f} and "
          f"{res['range'][a.workers][0] / 1e6:.2f}–{res['range'][a.workers][1] / 1e6:.2f}). The token cache holds {res['tokens']:,} tokens as "
          f"{res['dtype']} in {res['cache_bytes'] / 2**20:.1f} MiB. {res['hardware']}, load average {min(load):.1f}–{max(load):.1f}; {res['date']}. "
          f"Reproduce: `{res['command']}`\n")
    out = Path(a.out); out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out.with_suffix('.json'), json.dumps(res, indent=1))
    atomic_write_text(out.with_suffix('.md'), md)
    print(md)

if __name__ == '__main__': main()
