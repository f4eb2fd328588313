// Reading the API from components: useQuery runs a query when its variables change and offers
// reload (for live events and after mutations); a newer load wins over an older one.
import { useState, useEffect, useRef, useCallback } from './lib.js';
import { gql } from './api.js';

export function useQuery(query, variables, { skip = false } = {}) {
  const [state, setState] = useState({ data: null, error: null, loading: !skip });
  const seq = useRef(0);
  const key = JSON.stringify(variables || {});
  const load = useCallback(async () => {
    const n = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await gql(query, variables || {});
      if (n === seq.current) setState({ data, error: null, loading: false });
    } catch (error) {
      if (n === seq.current) setState((s) => ({ data: s.data, error, loading: false }));
    }
  }, [query, key]);
  useEffect(() => {
    if (!skip) load();
  }, [load, skip]);
  return { ...state, reload: load };
}

/** Reads every page of a connection field (pageSize at a time: 50 keeps a page of agenda rows under the query cost limit), up to max items. */
export async function allPages(query, variables, pick, { max = 1000, pageSize = 50 } = {}) {
  const out = [];
  let after = null;
  for (;;) {
    const data = await gql(query, { ...variables, first: pageSize, after });
    const conn = pick(data);
    out.push(...conn.edges.map((e) => e.node));
    if (!conn.pageInfo.hasNextPage || out.length >= max) return out;
    after = conn.pageInfo.endCursor;
  }
}
