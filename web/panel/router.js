// Routes are #/<page>/<id>?<params>: the server serves one page, and a reload or a shared link
// opens the same view.
export function parseRoute(hash) {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?');
  const [page = 'agenda', id = null] = path.split('/').filter(Boolean);
  return { page, id, params: new URLSearchParams(query) };
}

export function navigate(page, id, params) {
  const q = params ? new URLSearchParams(params).toString() : '';
  location.hash = '#/' + page + (id ? '/' + id : '') + (q ? '?' + q : '');
}
