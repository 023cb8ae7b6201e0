import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/fleet.js';
import { ROOT } from '../helpers/paths.js';


/** Runs `body` in a fresh node process with `log` = a pino logger on logDestination(fd of `file`). */
function runWithLog(file: string, body: string): void {
  const script = `
    import { openSync } from 'node:fs';
    import pino from 'pino';
    import { logDestination } from ${JSON.stringify(path.join(ROOT, 'src/observability/log.ts'))};
    const destination = logDestination(openSync(${JSON.stringify(file)}, 'a'));
    const log = pino({ level: 'info' }, destination.stream);
    ${body}
  `;
  execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

const lines = (file: string): Array<Record<string, unknown>> =>
  readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the batched log destination', () => {
  it('writes lines still queued when the process exits right after logging them', () => {
    const dir = tempDir();
    try {
      const file = path.join(dir.dir, 'out.log');
      runWithLog(file, `log.info({ n: 1 }, 'first'); log.warn({ n: 2 }, 'last words'); process.exit(0);`);
      expect(lines(file).map((l) => l.msg)).toEqual(['first', 'last words']);
    } finally {
      dir.cleanup();
    }
  });

  it('writes every line, in order, when many batches are queued and flush is called on close', () => {
    const dir = tempDir();
    try {
      const file = path.join(dir.dir, 'out.log');
      runWithLog(file, `for (let i = 0; i < 2000; i++) log.info({ i }, 'request completed'); destination.flush();`);
      expect(lines(file).map((l) => l.i)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    } finally {
      dir.cleanup();
    }
  });

  it('writes a lone line out within a few seconds while the process keeps running', () => {
    const dir = tempDir();
    try {
      const file = path.join(dir.dir, 'out.log');
      // The child checks the file itself while still alive, then exits without a flush of its own.
      runWithLog(
        file,
        `import { readFileSync } from 'node:fs';
         log.info('quiet service');
         const deadline = Date.now() + 10_000; // hang guard, not a timing assertion
         const poll = () => {
           if (readFileSync(${JSON.stringify(file)}, 'utf8').includes('quiet service')) process.exit(0);
           if (Date.now() > deadline) { process.stderr.write('line never written'); process.exit(1); }
           setTimeout(poll, 50);
         };
         poll();`,
      );
      expect(lines(file).map((l) => l.msg)).toEqual(['quiet service']);
    } finally {
      dir.cleanup();
    }
  });
});
