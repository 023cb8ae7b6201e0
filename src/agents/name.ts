/** What an agent may be called: it names a prompt file, so it must be a safe single path segment. */
export const AGENT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const isValidAgentName = (name: string): boolean => AGENT_NAME_PATTERN.test(name);
/** The rule in words, for error messages. */
export const AGENT_NAME_RULE = 'agent names are 1-64 letters, digits, - or _, starting with a letter or digit';
