/**
 * One log entry as one line of JSON. JSON.stringify escapes C0 controls but leaves DEL,
 * the C1 controls and U+2028/U+2029 raw: a terminal acts on C1 (CSI is U+009B) and
 * JavaScript-era log tools split lines at U+2028. Page-supplied strings (hosts, codes)
 * reach the log, so those are escaped too: a page cannot forge or hide log lines.
 */
const UNSAFE = /[\u007f-\u009f\u2028\u2029]/g;

export function formatLogLine(entry: object): string {
  return `${JSON.stringify(entry).replace(UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}
