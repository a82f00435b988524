/**
 * `__dirname` / `__filename` for CommonJS dependencies in a page (injected where used as
 * free variables): a page has no module files, so '/' as the bundlers' 'mock' mode does.
 */
export const __dirname = '/';
export const __filename = '/index.js';
