import { describe, expect, it } from 'vitest';
import { redactUrl, urlRedactor } from '../../src/http/redact.js';

describe('access-log URL redaction', () => {
  it('keeps a URL without credentials exactly as sent, percent-encoding included', () => {
    const url = '/v1/prepare/coach?target=%2Fsrv%2Frepos%2Fprepare-target&format=json&include=pointers';
    expect(redactUrl(url)).toBe(url);
  });

  it('redacts parameters whose name is a credential only once decoded', () => {
    expect(redactUrl('/v1/schedule?target=a&access%5Ftoken=s1&api+key=s2&%50assword=s3')).toBe('/v1/schedule?target=a&access%5Ftoken=[redacted]&api+key=[redacted]&%50assword=[redacted]');
  });

  it('redacts a configured token wherever it appears, as sent or percent-encoded', () => {
    const redact = urlRedactor(['tok/en+1']);
    expect(redact('/v1/tok/en+1?q=tok%2Fen%2B1&note=x')).toBe('/v1/[redacted]?q=[redacted]&note=x');
  });

  it('redacts a configured token however a value percent-encodes it (lower-case hex, needless escapes)', () => {
    const redact = urlRedactor(['tok/en+1-abcdefgh']);
    expect(redact('/v1/schedule?q=tok%2fen%2b1-abcdefgh&note=x')).toBe('/v1/schedule?q=[redacted]&note=x');
    expect(redact('/v1/schedule?q=%74ok/en%2B1-abcdefgh')).toBe('/v1/schedule?q=[redacted]');
  });
});
