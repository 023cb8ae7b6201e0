import { describe, expect, it } from 'vitest';
import { CACHE_LIMITS, boundedCache } from '../../src/cache/bounded.js';
import { FingerprintCache } from '../../src/repo/fingerprint.js';

describe('bounded caches', () => {
  it('hold at most their CACHE_LIMITS bound and forget the least recently used first', () => {
    const cache = boundedCache<string, number>('timeZoneChecks');
    const bound = CACHE_LIMITS.timeZoneChecks;
    for (let i = 0; i < bound; i++) cache.set(`k${i}`, i);
    expect(cache.get('k0')).toBe(0); // now the most recently used
    cache.set('new', -1);
    expect(cache.size).toBe(bound);
    expect(cache.get('k0')).toBe(0);
    expect(cache.has('k1')).toBe(false);
    expect(cache.get('new')).toBe(-1);
  });

  it('FingerprintCache answers only for the signature it stored and caches nothing without one', () => {
    const cache = new FingerprintCache<string>('manifests');
    cache.set('/repo', undefined, 'racy');
    expect(cache.get('/repo', undefined)).toBeUndefined();
    cache.set('/repo', 'sig-a', 'a');
    expect(cache.get('/repo', 'sig-a')).toBe('a');
    expect(cache.get('/repo', 'sig-b')).toBeUndefined();
    expect(cache.get('/repo', undefined)).toBeUndefined();
  });

  it('FingerprintCache stays within its bound', () => {
    const cache = new FingerprintCache<number>('bundles');
    const bound = CACHE_LIMITS.bundles;
    for (let i = 0; i <= bound; i++) cache.set(`k${i}`, 's', i);
    expect(cache.get('k0', 's')).toBeUndefined();
    expect(cache.get('k1', 's')).toBe(1);
    expect(cache.get(`k${bound}`, 's')).toBe(bound);
  });
});
