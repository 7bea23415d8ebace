/**
 * `npm run bench:dsa-warp`: wasm (Node) ms per DM iteration with DSA on real MNIST (the page's default DM preset:
 * ipc 10, width 32, 64 real images per class), and ms per scale/rotate warp of one DM class batch (64 real + 10
 * synthetic images, forward + backward of the synthetic side), plus the bytes uploaded per iteration.
 * Run it on two checkouts (before/after a change to src/core/augment/dsa.ts) to compare. The machine's load makes
 * single figures noisy: it prints the median and the quartiles. Usage: npm run bench:dsa-warp [-- --iterations 20]
 */
import * as tf from '@tensorflow/tfjs';
import { DistillRun } from '../src/core/run/run';
import { applyDsa, type DsaParams } from '../src/core/augment/dsa';
import { DEFAULT_RUN_CONFIG } from '../src/shared/protocol';
import { mnistSubset } from '../src/testing/data';
import { useBackend } from '../src/testing/tf';
import { countTransfers } from '../src/testing/transfers';

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const iterations = Number(arg('--iterations') ?? 20);

function quartiles(xs: number[]): [number, number, number] {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1) + 0.5))]!;
  return [q(0.25), q(0.5), q(0.75)];
}

async function main() {
  await useBackend('wasm');
  const data = mnistSubset(64);
  const run = new DistillRun(data, { ...DEFAULT_RUN_CONFIG, iterations: 1000, seed: 1 });
  await run.prepare();
  const iteration = async () => {
    await run.refresh();
    const loss = run.step();
    await loss.data();
    loss.dispose();
  };
  for (let i = 0; i < 3; i++) await iteration();
  const ms: number[] = [];
  let bytes = 0;
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    const { counts } = await countTransfers(iteration);
    ms.push(performance.now() - t0);
    bytes += counts.uploadBytes;
  }
  run.dispose();

  const real = tf.randomNormal([64, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
  const syn = tf.variable(tf.randomNormal([10, 28, 28, 1], 0, 1, 'float32', 2));
  const warps: DsaParams[] = [
    { op: 'scale', sx: 1.1, sy: 0.9 },
    { op: 'rotate', degrees: 12 },
  ];
  const warpMs: number[] = [];
  for (let i = 0; i < 3 + iterations; i++) {
    const p = warps[i % 2]!;
    const t0 = performance.now();
    const { value, grads } = tf.variableGrads(() => {
      const r = applyDsa(real, p);
      const s = applyDsa(syn as unknown as tf.Tensor4D, p);
      return tf.sum(tf.square(tf.sub(tf.mean(r, 0), tf.mean(s, 0))));
    }, [syn]);
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
    if (i >= 3) warpMs.push(performance.now() - t0);
  }
  tf.dispose([real, syn]);
  const [a, b, c] = quartiles(ms);
  const [wa, wb, wc] = quartiles(warpMs);
  console.log(`wasm, DM MNIST ipc 10 width 32, 64 real/class, DSA on, ${iterations} iterations after 3 warm-up:`);
  console.log(`  ms per iteration: median ${b.toFixed(1)} (quartiles ${a.toFixed(1)}–${c.toFixed(1)}); uploaded ${(bytes / iterations / 1e6).toFixed(3)} MB per iteration`);
  console.log(`  ms per scale/rotate warp of 64 real + 10 synthetic, with gradient: median ${wb.toFixed(2)} (quartiles ${wa.toFixed(2)}–${wc.toFixed(2)})`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
