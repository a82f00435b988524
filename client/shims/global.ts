/** The value injected for Node's `global`: the page's global object. */
export default globalThis;
