/** The demo's logs (the console's, the TCP server's): one line per event, as Node's console would word it. */

/** What a log line is: a line sent, a line received, an event, an error. */
export type LineKind = 'sent' | 'received' | 'event' | 'error';

/** Appends a line to `log`, keeping it scrolled to the bottom when it was. */
export function appendLine(log: HTMLElement, kind: LineKind, text: string): void {
  const item = document.createElement('li');
  item.className = kind;
  item.textContent = text;
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 8;
  log.append(item);
  if (atBottom) log.scrollTop = log.scrollHeight;
}

/** An error as Node's console prints it, less the stack: `Error: msg { errno: …, code: '…', … }`. */
export function describeError(error: Error): string {
  const fields = Object.entries(error)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? `'${value}'` : String(value)}`)
    .join(', ');
  return `${error.name}: ${error.message}${fields === '' ? '' : ` { ${fields} }`}`;
}
