// The panel's one door to the UI library (Preact with htm's tagged templates, vendored under
// /vendor/ and served from the binary): every module imports from here, so the library's place
// and version are said once.
import { h, render, Fragment } from '../vendor/preact.mjs';
import htm from '../vendor/htm.mjs';

export { h, render, Fragment };
export { useState, useEffect, useRef, useMemo, useCallback, useReducer } from '../vendor/hooks.mjs';
export const html = htm.bind(h);
