import path from 'node:path';

/** The checkout's root, wherever a test file sits under tests/. */
export const ROOT = path.resolve(import.meta.dirname, '../..');
