import { isNode, isSeq, type LineCounter, type Node } from 'yaml';
import type { Diagnostic, DiagnosticCode, ManifestEntry, ValidationResult } from './types.js';

// A hostile 64 KiB body can hold thousands of problems; listing the first 100
// is as useful and keeps the answer (and the did-you-mean work) small.
const MAX_DIAGNOSTICS = 100;

export const escapePointer = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');
export const pointer = (...segments: string[]): string => segments.map((s) => `/${escapePointer(s)}`).join('');

/** Display form of a scalar value in messages. */
export function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value === null || value === undefined) return 'an empty value';
  // Values here may be YAML nodes (a YAMLSeq is no JS array), not only plain JS.
  if (typeof value === 'object') return Array.isArray(value) || isSeq(value) ? 'a list' : 'a mapping';
  return `${typeof value} ${String(value)}`;
}

export interface Position {
  line: number;
  column: number;
}

/**
 * Every diagnostic of a validation goes through here, so the cap holds by
 * construction: at most MAX_DIAGNOSTICS errors and as many warnings, then
 * `truncated`.
 */
export class Collector {
  readonly errors: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];
  /** Set once MAX_DIAGNOSTICS errors or warnings were collected; later ones are not listed. */
  truncated = false;
  /** Positions are read off the parser's line counter (none before parsing). */
  constructor(private readonly lines?: LineCounter) {}

  position(node: Node | null | undefined): Position | undefined {
    const offset = node?.range?.[0];
    if (offset === undefined || !this.lines) return undefined;
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  add(
    severity: Diagnostic['severity'],
    code: DiagnosticCode,
    message: string,
    path: string,
    at?: Node | Position | null,
    extra: Pick<Diagnostic, 'hint' | 'related'> = {},
  ): void {
    // Errors and warnings are capped separately, so a flood of warnings can
    // never hide the error that makes a manifest invalid.
    const list = severity === 'error' ? this.errors : this.warnings;
    if (list.length >= MAX_DIAGNOSTICS) {
      this.truncated = true;
      return;
    }
    const position = at && !isNode(at) ? at : this.position(at);
    const diagnostic: Diagnostic = { severity, code, message, path, ...(position ? { line: position.line, column: position.column } : {}) };
    if (extra.hint) diagnostic.hint = extra.hint;
    if (extra.related) diagnostic.related = extra.related;
    list.push(diagnostic);
  }

  /** Whether no further error would be listed; callers skip costly hints then. */
  full(): boolean {
    return this.errors.length >= MAX_DIAGNOSTICS;
  }

  error(code: DiagnosticCode, message: string, path: string, at?: Node | Position | null, extra?: Pick<Diagnostic, 'hint' | 'related'>): void {
    this.add('error', code, message, path, at, extra);
  }

  warn(code: DiagnosticCode, message: string, path: string, node?: Node | null, extra?: Pick<Diagnostic, 'hint' | 'related'>): void {
    this.add('warning', code, message, path, node, extra);
  }

  result(entries?: ManifestEntry[], timezone?: string): ValidationResult {
    const valid = this.errors.length === 0;
    return {
      valid,
      errors: this.errors,
      warnings: this.warnings,
      ...(this.truncated ? { truncated: true } : {}),
      ...(valid && entries ? { manifest: { version: '1' as const, ...(timezone ? { timezone } : {}), entries } } : {}),
    };
  }
}
