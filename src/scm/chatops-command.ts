/**
 * A comment's chatops command line: its first line when that starts with `/` (leading blanks
 * allowed, as Dispatch read them), else undefined. `/build now` → `/build now`.
 */
export function chatopsCommand(body: string): string | undefined {
  const first = body.replace(/^\s+/, '').split(/\r?\n/, 1)[0] ?? '';
  return /^\/\S/.test(first) ? first.trimEnd() : undefined;
}
