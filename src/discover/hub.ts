import { Agent, RetryAgent, request, type Dispatcher } from 'undici';
import { DomainError } from '../errors.js';

/** Roster responses larger than this are refused (a fleet of thousands of repos is well under 1 MiB). */
export const MAX_HUB_RESPONSE_BYTES = 5 * 1024 * 1024;

/** undici's error for a body past maxResponseSize. */
const OVERSIZE = 'UND_ERR_RES_EXCEEDED_MAX_SIZE';

/** Upstream answers worth one more try: the hub or a proxy in front of it hiccupped. */
const RETRYABLE_STATUS = new Set([500, 502, 503, 504]);

/** Transport failures worth one more try: the connection never got an answer (or lost it). */
const RETRYABLE_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

export interface StateHubOptions {
  /** Base URL without a trailing slash, e.g. `https://hub.internal/api`. */
  baseUrl: string;
  /** Deadline for one whole roster fetch, retry included. */
  timeoutMs: number;
  maxBytes?: number;
  userAgent?: string;
  /** State Hub v2 pre-filter: ask only for repos flagged `kaizen_schedule_enabled`. */
  scheduleFlag?: boolean;
}

/** Something the hub answered, or failed to answer, explained for a problem document. */
class HubFailure extends Error {
  constructor(readonly code: 'hub_unreachable' | 'hub_bad_response', message: string, readonly upstreamStatus?: number) {
    super(message);
  }
}

function errorCode(err: unknown): string | undefined {
  let current: unknown = err;
  // undici wraps socket errors; the system code may sit on a cause.
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Client for the State Hub's `GET /repos/`. One keep-alive connection pool per
 * service; every call has connect, headers and body timeouts plus an overall
 * deadline, reads at most `maxBytes` (undici's maxResponseSize), never follows
 * a redirect, and retries the GET once (undici's RetryAgent, with our own
 * choice of what is worth a retry) on a connection error or a 500/502/503/504.
 */
export class StateHubClient {
  private readonly agent: Agent;
  private readonly maxBytes: number;
  private readonly userAgent: string;
  /** Origin only (no credentials or path) for messages and logs. */
  readonly origin: string;
  /** Whether roster calls carry the schedule pre-filter. */
  readonly scheduleFlag: boolean;

  constructor(private readonly options: StateHubOptions) {
    this.maxBytes = options.maxBytes ?? MAX_HUB_RESPONSE_BYTES;
    this.userAgent = options.userAgent ?? 'kaizen-schedule';
    this.origin = new URL(options.baseUrl).origin;
    this.scheduleFlag = options.scheduleFlag === true;
    const t = options.timeoutMs;
    this.agent = new Agent({
      // Connecting gets half the deadline: a host that does not even accept
      // the connection is reported well before the whole budget is gone.
      connectTimeout: Math.max(1, Math.floor(t / 2)),
      headersTimeout: t,
      bodyTimeout: t,
      keepAliveTimeout: 30_000,
      connections: 4,
      // undici stops reading (and closes the socket) past this many body bytes.
      maxResponseSize: this.maxBytes,
    });
  }

  reposUrl(domain?: string): URL {
    const url = new URL(`${this.options.baseUrl.replace(/\/+$/, '')}/repos/`);
    if (domain !== undefined) url.searchParams.set('domain', domain);
    if (this.options.scheduleFlag) url.searchParams.set('kaizen_schedule_enabled', 'true');
    return url;
  }

  /**
   * The parsed JSON the hub answers to `GET /repos/`. Throws a
   * DomainError: `hub_unreachable` when the hub cannot be reached in time,
   * `hub_bad_response` when it answers something other than 2xx JSON.
   */
  async fetchRoster(domain?: string): Promise<unknown> {
    const url = this.reposUrl(domain);
    const deadline = AbortSignal.timeout(this.options.timeoutMs);
    let attempts = 1;
    let answered = false;
    // A RetryAgent per call is a thin wrapper over the shared pool; its retry
    // callback is ours, so it counts the attempts and keeps our rules: one
    // retry, right away, only for the statuses and codes above, never past
    // the deadline.
    const dispatcher = new RetryAgent(this.agent, {
      statusCodes: [...RETRYABLE_STATUS],
      retry: (err, _context, again) => {
        // A body cut short is not resumed (RetryAgent would ask for the rest
        // with Range, and the roster may have changed in between): the GET is
        // retried whole below.
        // Before an answer, a body over the limit is that of a 500/502/503/504
        // (RetryAgent reads it to the end before retrying): retried like its status.
        const oversizeError = !answered && errorCode(err) === OVERSIZE;
        if (attempts === 1 && !answered && !deadline.aborted && (oversizeError || this.worthRetry(err))) {
          attempts++;
          again(null);
        } else again(err);
      },
    });
    for (;;) {
      answered = false;
      try {
        return await this.getJson(url, deadline, dispatcher, () => (answered = true));
      } catch (err) {
        if (answered && attempts === 1 && !deadline.aborted && !(err instanceof HubFailure) && this.worthRetry(err as Error)) {
          attempts++;
          continue;
        }
        throw this.toDomainError(this.classify(err, deadline), attempts);
      }
    }
  }

  /** A 500/502/503/504, or a connection that never got (or lost) its answer. */
  private worthRetry(err: Error): boolean {
    const status = (err as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number') return RETRYABLE_STATUS.has(status);
    const code = errorCode(err);
    return code !== undefined && RETRYABLE_ERROR_CODES.has(code);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private headers(): Record<string, string> {
    return { accept: 'application/json', 'user-agent': this.userAgent };
  }

  private async getJson(url: URL, signal: AbortSignal, dispatcher: Dispatcher, onAnswer: () => void): Promise<unknown> {
    const res = await request(url, { dispatcher, method: 'GET', headers: this.headers(), signal });
    onAnswer();
    const { statusCode, body } = res;
    if (statusCode < 200 || statusCode >= 300) {
      // Drain a little so the connection can be reused; a large body just closes it.
      await body.dump({ limit: 16 * 1024 }).catch(() => undefined);
      if (statusCode >= 300 && statusCode < 400) {
        throw new HubFailure('hub_bad_response', `the State Hub answered a redirect (HTTP ${statusCode}); redirects are not followed`, statusCode);
      }
      throw new HubFailure('hub_bad_response', `the State Hub answered HTTP ${statusCode}`, statusCode);
    }
    // An HTML sign-in page or error page from a proxy is not a roster, whatever its status.
    const type = String(res.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== '' && type !== 'application/json' && !type.endsWith('+json')) {
      await body.dump({ limit: 16 * 1024 }).catch(() => undefined);
      throw new HubFailure('hub_bad_response', `the State Hub answered ${type.slice(0, 100)}, not JSON`);
    }
    // Checked here as well: undici counts the bytes as they come, so a hub
    // that declares a huge body and then stalls would hold the call until the
    // deadline instead of being refused at once.
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > this.maxBytes) {
      body.destroy();
      throw new HubFailure('hub_bad_response', `the State Hub's answer is ${declared} bytes; the limit is ${this.maxBytes}`);
    }
    let text: string;
    try {
      text = await body.text();
    } catch (err) {
      if (errorCode(err) === OVERSIZE) {
        throw new HubFailure('hub_bad_response', `the State Hub's answer exceeds the limit of ${this.maxBytes} bytes`);
      }
      throw err;
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new HubFailure('hub_bad_response', 'the State Hub answered something that is not valid JSON');
    }
  }

  private classify(err: unknown, deadline: AbortSignal): HubFailure {
    if (err instanceof HubFailure) return err;
    if (deadline.aborted) {
      return new HubFailure('hub_unreachable', `the State Hub did not answer within ${this.options.timeoutMs} ms`);
    }
    const code = errorCode(err);
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      return new HubFailure('hub_unreachable', `the State Hub did not answer within ${this.options.timeoutMs} ms`);
    }
    if (code === OVERSIZE) {
      return new HubFailure('hub_bad_response', `the State Hub answered an error whose body exceeds the limit of ${this.maxBytes} bytes`);
    }
    // RetryAgent's error for a retryable status that failed again: it read (and dropped) that body itself.
    const status = (err as { statusCode?: unknown }).statusCode;
    if (code === 'UND_ERR_REQ_RETRY' && typeof status === 'number') {
      return new HubFailure('hub_bad_response', `the State Hub answered HTTP ${status}`, status);
    }
    return new HubFailure('hub_unreachable', `the State Hub could not be reached (${code ?? 'connection failed'})`);
  }

  private toDomainError(failure: HubFailure, attempts: number): DomainError {
    return new DomainError(failure.code, `Cannot discover without a roster: ${failure.message} (${this.origin}, ${attempts} attempt${attempts === 1 ? '' : 's'}).`, {
      attempts,
      ...(failure.upstreamStatus !== undefined ? { upstream_status: failure.upstreamStatus } : {}),
    });
  }
}
