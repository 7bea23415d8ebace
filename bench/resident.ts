/**
 * `npm run bench:resident`: host batches against the dataset resident on the device (issue 15), per method, on
 * full MNIST (60000 training images) in Node: ms per iteration (median and quartiles, the two paths' iterations
 * interleaved so the machine's load falls on both alike), bytes uploaded and reads per iteration, and whether
 * the two paths' synthetic sets are bit-identical at the end. wasm by default (cpu with --backend cpu); the GPU
 * backends run the same code in the page (`npm run bench:page`). Settings: the page's DM preset (ipc 10, width
 * 32, 64 real per class); DC at ipc 1 (one outer loop); KRR at ipc 10, 64 real per class; MTT at ipc 10 with
 * one small expert. Usage: npm run bench:resident [-- --iterations 10 --methods dm,krr --backend wasm]
 */
import { DistillRun } from '../src/core/run/run';
import { DEFAULT_RUN_CONFIG, type RunConfig } from '../src/shared/protocol';
import { MTT_SETTINGS_DEFAULTS, type MethodId } from '../src/shared/methods';
import { pixelsSha256 } from '../src/core/data/sha256';
import { loadReal } from '../src/testing/data';
import { useBackend } from '../src/testing/tf';
import { countTransfers, type Transfers } from '../src/testing/transfers';

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const iterations = Number(arg('--iterations') ?? 10);
const methods = (arg('--methods') ?? 'dm,dc,krr,mtt').split(',') as MethodId[];
const backend = (arg('--backend') ?? 'wasm') as 'wasm' | 'cpu';

function quartiles(xs: number[]): [number, number, number] {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))]!;
  return [q(0.25), q(0.5), q(0.75)];
}

function configOf(method: MethodId): RunConfig {
  const base = { ...DEFAULT_RUN_CONFIG, method, width: 32, realPerClass: 64, iterations: 1000, seed: 1, dsa: true };
  if (method === 'dc') return { ...base, ipc: 1 };
  if (method === 'mtt') return { ...base, mtt: { ...MTT_SETTINGS_DEFAULTS, experts: 1, expertEpochs: 1, maxStartEpoch: 1, syntheticSteps: 5, expertImagesPerEpoch: 1000 } };
  return base;
}

async function main() {
  await useBackend(backend);
  const { train } = loadReal('mnist');
  console.log(`${backend}, full MNIST (${train.set.count} training images), ${iterations} iterations per path after 2 warm-up, interleaved:`);
  console.log('| method | path | ms / it, median (quartiles) | bytes uploaded / it | reads / it | same bytes |');
  console.log('|---|---|---|---|---|---|');
  for (const method of methods) {
    const config = configOf(method);
    const runs = { host: new DistillRun(train, config, { resident: 'off' }), resident: new DistillRun(train, config, { resident: 'on' }) };
    const ms = { host: [] as number[], resident: [] as number[] };
    const moved: Record<string, Transfers> = {};
    try {
      for (const r of Object.values(runs)) await r.prepare();
      const iteration = async (r: DistillRun) => {
        await r.refresh();
        const loss = r.step();
        await loss.data();
        loss.dispose();
      };
      for (let i = 0; i < 2; i++) for (const r of Object.values(runs)) await iteration(r);
      for (const path of ['host', 'resident'] as const) moved[path] = { uploads: 0, uploadBytes: 0, reads: 0 };
      for (let i = 0; i < iterations; i++) {
        // Alternate which path goes first, so neither always runs right after the other's garbage.
        const order = i % 2 ? (['resident', 'host'] as const) : (['host', 'resident'] as const);
        for (const path of order) {
          const t0 = performance.now();
          const { counts } = await countTransfers(() => iteration(runs[path]));
          ms[path].push(performance.now() - t0);
          moved[path]!.uploads += counts.uploads;
          moved[path]!.uploadBytes += counts.uploadBytes;
          moved[path]!.reads += counts.reads;
        }
      }
      const same = (await pixelsSha256(await runs.host.pixels())) === (await pixelsSha256(await runs.resident.pixels()));
      for (const path of ['host', 'resident'] as const) {
        const [a, b, c] = quartiles(ms[path]);
        const m = moved[path]!;
        console.log(
          `| ${method.toUpperCase()} | ${path} | ${b.toFixed(0)} (${a.toFixed(0)}–${c.toFixed(0)}) | ${(m.uploadBytes / iterations / 1e3).toFixed(1)} KB | ${(m.reads / iterations).toFixed(0)} | ${same ? 'yes' : 'NO'} |`,
        );
      }
      const ratio = quartiles(ms.host)[1] / quartiles(ms.resident)[1];
      console.log(`|   | host / resident | ${ratio.toFixed(2)}x | | | |`);
    } finally {
      for (const r of Object.values(runs)) r.dispose();
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
