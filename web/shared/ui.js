// What both apps build their views with: preact with hooks, and htm's tagged templates instead of
// JSX (no build step). Import everything UI from here, not from vendor/ directly, so the library is
// named in one place.
import { h, render, Fragment, createContext } from '../vendor/preact.mjs';
import { useState, useEffect, useRef, useMemo, useCallback, useContext, useLayoutEffect } from '../vendor/hooks.mjs';
import htm from '../vendor/htm.mjs';

export const html = htm.bind(h);
export { h, render, Fragment, createContext, useState, useEffect, useRef, useMemo, useCallback, useContext, useLayoutEffect };
