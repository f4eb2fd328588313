// slotpay's GraphiQL: queries and mutations over HTTP POST to the endpoint, subscriptions over
// graphql-ws (graphql-transport-ws) on the same path. The headers typed in GraphiQL's headers editor
// (e.g. {"Authorization": "Bearer <token>"}) go with every HTTP request and, as connection_init's
// payload, with the WebSocket: the socket opens for the first subscription and closes when the last
// one ends, so changed headers apply from the next subscription started after that.
(function () {
  'use strict';
  var root = document.getElementById('graphiql');
  var http = new URL(root.dataset.endpoint, window.location.href);
  var ws = new URL(http.href);
  ws.protocol = http.protocol === 'https:' ? 'wss:' : 'ws:';

  var headers = {};
  var wsClient = graphqlWs.createClient({
    url: ws.href,
    connectionParams: function () { return headers; },
  });
  var fetchAll = GraphiQL.createFetcher({ url: http.href, wsClient: wsClient });
  function fetcher(params, options) {
    headers = (options && options.headers) || {};
    return fetchAll(params, options);
  }

  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    shouldPersistHeaders: true,
  }));
})();
