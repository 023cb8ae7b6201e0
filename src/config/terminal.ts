/**
 * Whether the command line may colour what it writes to `stream`: only a
 * terminal that can show colour (not TERM=dumb), never when NO_COLOR is set
 * to anything non-empty (https://no-color.org) or FORCE_COLOR is 0 or false.
 */
export function colourAllowed(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb' && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
}
