/**
 * Seeded pseudo-random numbers: the only way randomness enters the engine.
 * mulberry32 for JS-side draws; `nextSeed()` hands integer seeds to tfjs ops that take one.
 */
export class Rng {
  private state_: number;

  constructor(seed: number) {
    // Mix the seed so that small consecutive seeds give unrelated streams.
    this.state_ = hashSeed(seed);
  }

  /** The generator's whole state (one 32-bit integer): `Rng.fromState(r.state)` continues its stream exactly. */
  get state(): number {
    return this.state_;
  }

  static fromState(state: number): Rng {
    const r = new Rng(0);
    r.state_ = state | 0;
    return r;
  }

  /** Continue from a saved state (see `state`). */
  restore(state: number): void {
    this.state_ = state | 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    this.state_ = (this.state_ + 0x6d2b79f5) | 0;
    let t = this.state_;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A fresh 31-bit integer seed for a tfjs random op or a child generator. */
  nextSeed(): number {
    return Math.floor(this.next() * 0x7fffffff);
  }

  /** A child generator whose stream is independent of later draws from this one. */
  fork(): Rng {
    return new Rng(this.nextSeed());
  }

  /** `k` distinct indices from [0, n), in random order (partial Fisher-Yates). k > n draws all n. */
  sampleWithoutReplacement(n: number, k: number): Int32Array {
    const m = Math.min(k, n);
    const pool = new Int32Array(n);
    for (let i = 0; i < n; i++) pool[i] = i;
    for (let i = 0; i < m; i++) {
      const j = i + this.int(n - i);
      const t = pool[i]!;
      pool[i] = pool[j]!;
      pool[j] = t;
    }
    return pool.slice(0, m);
  }
}

function hashSeed(seed: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}
