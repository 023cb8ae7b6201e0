/**
 * Bench phase: the console's fleet page against the discover call it is built
 * from, on the same running service and fleet, interleaved call by call so
 * both see the same machine. Target: the page within 2x of discover.
 */
import { request as undiciRequest } from 'undici';
import { median } from './support.js';

export const CONSOLE_TARGET_RATIO = 2;

export interface ConsoleBenchResult {
  calls: number;
  page_bytes: number;
  page_median_ms: number;
  discover_median_ms: number;
  ratio: number;
}


/** Time of one GET, body read to the end; a connection per call, as the other phases do. */
async function timed(url: string, accept: string): Promise<{ ms: number; bytes: number }> {
  const t0 = process.hrtime.bigint();
  const res = await undiciRequest(url, { reset: true, headers: { accept } });
  const body = Buffer.from(await res.body.arrayBuffer());
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}`);
  return { ms, bytes: body.length };
}

/** `calls` fleet pages and `calls` discovers against `base` (env knob: BENCH_CONSOLE_CALLS). */
export async function benchConsole(base: string, calls = Number(process.env.BENCH_CONSOLE_CALLS ?? 10)): Promise<ConsoleBenchResult> {
  // One of each first, so neither pays for a cold cache or JIT in the figures.
  await timed(`${base}/`, 'text/html');
  await timed(`${base}/v1/discover`, 'application/json');
  const page: number[] = [];
  const discover: number[] = [];
  let pageBytes = 0;
  for (let i = 0; i < calls; i++) {
    const p = await timed(`${base}/`, 'text/html');
    page.push(p.ms);
    pageBytes = p.bytes;
    discover.push((await timed(`${base}/v1/discover`, 'application/json')).ms);
  }
  const pageMs = median(page);
  const discoverMs = median(discover);
  return { calls, page_bytes: pageBytes, page_median_ms: pageMs, discover_median_ms: discoverMs, ratio: pageMs / discoverMs };
}
