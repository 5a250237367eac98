// The simulator's PRNG: the shared mulberry32 (test/fuzz/mutate.ts) with a few helpers, so every
// schedule replays from its seed.
import { mulberry32 } from '../fuzz/mutate.ts';

export interface Rng {
  (): number;
  int(n: number): number;
  range(lo: number, hi: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
}

export function makeRng(seed: number): Rng {
  const next = mulberry32(seed);
  const rng = next as Rng;
  rng.int = (n) => Math.floor(next() * n);
  rng.range = (lo, hi) => lo + next() * (hi - lo);
  rng.pick = (xs) => xs[Math.floor(next() * xs.length)];
  rng.chance = (p) => next() < p;
  return rng;
}
