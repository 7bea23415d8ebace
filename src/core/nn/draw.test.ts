/**
 * Networks drawn on the device (issue 15): what crosses the bus is a table of a few hundred numbers, the weights
 * have PyTorch's default init's distribution, and cpu and wasm give the same bytes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { disposeConvNet, initConvNet, paramList, type ConvNetShape } from './convnet';
import { DeviceNetDrawer, netDrawer, paramPlan, tableSizes } from './draw';
import { countTransfers } from '../../testing/transfers';
import { useBackend } from '../../testing/tf';

const MNIST32: ConvNetShape = { input: [28, 28, 1], classes: 10, width: 32, depth: 3 };
const SHAPES: ConvNetShape[] = [
  MNIST32,
  { input: [32, 32, 3], classes: 10, width: 8, depth: 2 },
  { input: [28, 28, 1], classes: 10, width: 16, depth: 2, architecture: 'mlp' },
];

afterAll(() => useBackend('cpu'));

/** The weights of a drawn network, flat per tensor. */
async function values(drawer: DeviceNetDrawer, seed: number): Promise<Float32Array[]> {
  const p = drawer.draw(seed);
  const out = await Promise.all(paramList(p).map(async (t) => (await t.data()) as Float32Array));
  disposeConvNet(p);
  return out;
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.min(a.length, b.length);
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]! - ma, y = b[i]! - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('networks drawn on the device', () => {
  it('have the shapes initConvNet gives, in paramList order', async () => {
    await useBackend('cpu');
    for (const shape of SHAPES) {
      const host = initConvNet(shape, 1);
      const drawer = new DeviceNetDrawer(shape);
      const device = drawer.draw(1);
      expect(paramList(device).map((t) => t.shape)).toEqual(paramList(host).map((t) => t.shape));
      expect(paramPlan(shape).map((e) => e.dims)).toEqual(paramList(host).map((t) => t.shape));
      disposeConvNet(host);
      disposeConvNet(device);
      drawer.dispose();
    }
  });

  it('table sizes are pairwise coprime and cover every weight', () => {
    const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
    for (const n of [1, 10, 200, 18_826, 308_000, 2_000_000]) {
      const [a, b, c] = tableSizes(n);
      expect(a * b * c).toBeGreaterThanOrEqual(n);
      expect([gcd(a, b), gcd(b, c), gcd(a, c)]).toEqual([1, 1, 1]);
    }
  });

  it("have PyTorch's default init's distribution: U(−1/√fan_in, 1/√fan_in), uncorrelated within and across networks, γ = 1, β = 0", async () => {
    await useBackend('wasm');
    const drawer = new DeviceNetDrawer(MNIST32);
    const [a, b] = [await values(drawer, 5), await values(drawer, 6)];
    const plan = paramPlan(MNIST32);
    plan.forEach((e, i) => {
      const v = a[i]!;
      if (e.bound === undefined) {
        expect(v.every((x) => x === e.fill)).toBe(true);
        return;
      }
      const bound = e.bound;
      expect(v.every((x) => x >= -bound && x < bound)).toBe(true);
      if (v.length < 1000) return;
      const mean = v.reduce((s, x) => s + x, 0) / v.length;
      const variance = v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length;
      // U(−b, b): mean 0 (standard error b/√(3n)), variance b²/3.
      expect(Math.abs(mean)).toBeLessThan((4 * bound) / Math.sqrt(3 * v.length));
      expect(variance / (bound * bound / 3)).toBeGreaterThan(0.95);
      expect(variance / (bound * bound / 3)).toBeLessThan(1.05);
      // Histogram: 10 equal bins, each within 25 % of n/10.
      const bins = new Array<number>(10).fill(0);
      for (const x of v) bins[Math.min(9, Math.floor(((x + bound) / (2 * bound)) * 10))]!++;
      for (const count of bins) expect(Math.abs(count - v.length / 10)).toBeLessThan(v.length / 40);
      // Neighbours (in memory, and one output channel apart) and the same weight in another network.
      const lag = (k: number) => correlation(v.subarray(0, v.length - k), v.subarray(k));
      for (const k of [1, 2, MNIST32.width]) expect(Math.abs(lag(k))).toBeLessThan(0.05);
      expect(Math.abs(correlation(v, b[i]!))).toBeLessThan(0.05);
    });
    drawer.dispose();
  });

  it('give the same bytes on cpu and wasm, the same for a seed and other weights for another', async () => {
    const shape: ConvNetShape = { input: [28, 28, 1], classes: 10, width: 8, depth: 3 };
    const bytes = async (backend: 'cpu' | 'wasm', seed: number) => {
      await useBackend(backend);
      const drawer = new DeviceNetDrawer(shape);
      const v = await values(drawer, seed);
      drawer.dispose();
      return v;
    };
    const cpu = await bytes('cpu', 42);
    const wasm = await bytes('wasm', 42);
    expect(wasm).toEqual(cpu);
    expect(await bytes('wasm', 42)).toEqual(wasm);
    const other = await bytes('wasm', 43);
    expect(other[0]).not.toEqual(wasm[0]);
  });

  it('upload one table of under 1 KB per network after the first (width 32 and 128), and leak nothing', async () => {
    await useBackend('wasm');
    for (const width of [32, 128]) {
      const shape: ConvNetShape = { ...MNIST32, width };
      const before = tf.memory().numTensors;
      const drawer = netDrawer(shape, 'device');
      disposeConvNet(drawer.draw(1));
      const { counts } = await countTransfers(async () => {
        for (let s = 2; s < 5; s++) disposeConvNet(drawer.draw(s));
      });
      const [k1, k2, k3] = (drawer as DeviceNetDrawer).sizes;
      expect(counts).toEqual({ uploads: 3, uploadBytes: 3 * 4 * (k1 + k2 + k3), reads: 0 });
      expect(4 * (k1 + k2 + k3)).toBeLessThan(1024);
      // The host drawer uploads every weight.
      const host = netDrawer(shape, 'host');
      const { counts: hostCounts } = await countTransfers(async () => disposeConvNet(host.draw(2)));
      expect(hostCounts.uploadBytes).toBeGreaterThan(4 * (drawer as DeviceNetDrawer).total);
      drawer.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});
