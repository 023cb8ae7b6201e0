const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes a value for a POSIX shell only when it needs it, so ordinary paths read as typed. */
export function shellQuote(value: string): string {
  return SHELL_SAFE.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The run a command is rendered for; its fields fill `{run_id}` and `{scheduled_for}`. */
export interface CommandRun {
  run_id: string;
  scheduled_for: string;
}

/**
 * Fills the placeholders of the prepare command template
 * (KAIZEN_PREPARE_COMMAND): `{agent}`, `{root}`, and `{run_id}` /
 * `{scheduled_for}` (empty when no run is named), shell-quoting the values. A
 * replacer function, so `$&`-style sequences and placeholders inside the
 * values stay literal.
 */
export function renderPrepareCommand(template: string, agent: string, root: string, run?: CommandRun | null): string {
  return template.replace(/\{(agent|root|run_id|scheduled_for)\}/g, (_match, key: string) => {
    const value = key === 'agent' ? agent : key === 'root' ? root : key === 'run_id' ? run?.run_id : run?.scheduled_for;
    return shellQuote(value ?? '');
  });
}
