/**
 * What every corpus page does once its library has loaded: puts `corpus.run(target)` on
 * globalThis for page.evaluate() and says 'ready'. A library that throws while loading
 * never gets here: the test sees the page's uncaught error instead.
 */

/** A page's scenario: connects to `target`, runs the library's basic operations, returns plain data. */
export type CorpusRun<Target, Result> = (target: Target) => Promise<Result>;

/** Exposes the page's scenario and marks the page ready. */
export function exposeCorpus<Target, Result>(run: CorpusRun<Target, Result>): void {
  (globalThis as unknown as { corpus: { run: CorpusRun<Target, Result> } }).corpus = { run };
  document.getElementById('status')!.textContent = 'ready';
}

/** An error as plain data: what a test compares (name, code, message). */
export function errorData(error: unknown): { name: string; code?: string; message: string } {
  const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
  return { name: String(name), ...(code === undefined ? {} : { code: String(code) }), message: String(message) };
}
