// The npm `process` package (what readable-stream imports as 'process/') ships no types.
// In Node it re-exports the real global process; in browsers it is a small shim.
declare module 'process/' {
  const process: { nextTick(callback: (...args: never[]) => void, ...args: unknown[]): void };
  export default process;
}
