/**
 * Whether the command line may colour what it writes to `stream`: only a
 * terminal, and never when NO_COLOR is set to anything non-empty
 * (https://no-color.org).
 */
export function colourAllowed(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}
