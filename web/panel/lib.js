// The panel's one door to the UI library (Preact with htm's tagged templates, vendored under
// web/vendor/ and named once in web/shared/ui.js, which the widget shares).
export { html, h, render, Fragment, useState, useEffect, useRef, useMemo, useCallback } from '../shared/ui.js';
