/** Small helpers every bench phase shares. */
export { freePort } from '../tests/helpers/ports.js';

/** Median of a sample (NaN for none); the bench reports medians of interleaved rounds. */
export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length === 0 ? NaN : s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

