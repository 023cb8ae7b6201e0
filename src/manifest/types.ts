export const CADENCES = ['daily', 'weekly', 'monthly'] as const;
export type Cadence = (typeof CADENCES)[number];

/** Every diagnostic code the validator can emit; part of the public contract. */
export const DIAGNOSTIC_CODES = [
  'yaml_syntax',
  'not_a_mapping',
  'missing_version',
  'unsupported_version',
  'invalid_timezone',
  'missing_agents',
  'agents_not_mapping',
  'no_agents',
  'duplicate_key',
  'invalid_agent_name',
  'unknown_agent',
  'agent_settings_not_mapping',
  'missing_cadence',
  'invalid_cadence',
  'invalid_cron',
  'invalid_enabled',
  'unknown_key',
  'cron_cadence_mismatch',
  'file_too_large',
  'schedule_not_found',
] as const;
export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number];

export interface Diagnostic {
  severity: 'error' | 'warning';
  code: DiagnosticCode;
  message: string;
  /** JSON Pointer (RFC 6901) into the document; "" is the whole document. */
  path: string;
  /** 1-based; present whenever the YAML node is known. */
  line?: number;
  column?: number;
  hint?: string;
  /** A second location the problem involves (the first of two duplicate keys). */
  related?: { path: string; line: number; column: number };
}

export interface ManifestEntry {
  agent: string;
  cadence: Cadence;
  /** The entry's own cron, when it declares one. */
  cron?: string;
  enabled: boolean;
}

/** A manifest that validated without errors. */
export interface Manifest {
  version: '1';
  timezone?: string;
  entries: ManifestEntry[];
}

export interface ValidationResult {
  valid: boolean;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  /** True when more than 100 errors or warnings were found and only the first 100 of each are listed. */
  truncated?: boolean;
  /** Present only when `valid`. */
  manifest?: Manifest;
}

/** Manifests larger than this are refused before parsing. */
export const MAX_MANIFEST_BYTES = 64 * 1024;
/** The hint of every file_too_large diagnostic (service, CLI, console). */
export const TOO_LARGE_HINT = 'a schedule manifest is a few hundred bytes; check that the right file is being sent';

export const SCHEDULE_RELATIVE_PATH = '.kaizen/schedule.yml';

