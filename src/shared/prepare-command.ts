const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes a value for a POSIX shell only when it needs it, so ordinary paths read as typed. */
export function shellQuote(value: string): string {
  return SHELL_SAFE.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Fills the `{agent}` and `{root}` placeholders of the prepare command
 * template (KAIZEN_PREPARE_COMMAND), shell-quoting the values. A replacer
 * function, so `$&`-style sequences and placeholders inside the values stay
 * literal.
 */
export function renderPrepareCommand(template: string, agent: string, root: string): string {
  return template.replace(/\{(agent|root)\}/g, (_match, key: string) => shellQuote(key === 'agent' ? agent : root));
}
