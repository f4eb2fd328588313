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
  var fetchHTTP = GraphiQL.createFetcher({ url: http.href });

  // isSubscription tells whether the operation to run is a subscription: the named one, or the
  // document's only operation. (GraphiQL's own fetcher decides this only when it is handed the
  // parsed document, which it is not for every run.)
  function isSubscription(query, operationName) {
    var text = query.replace(/#[^\n\r]*/g, ' ');
    if (operationName) {
      return new RegExp('\\bsubscription\\s+' + operationName + '\\b').test(text);
    }
    return /^\s*subscription\b/.test(text);
  }

  // subscribe runs a subscription over graphql-ws, as an observable GraphiQL shows event by event.
  function subscribe(params) {
    return {
      subscribe: function (observer) {
        var stop = wsClient.subscribe(params, {
          next: function (v) { observer.next(v); },
          error: function (e) { observer.error(e); },
          complete: function () { observer.complete(); },
        });
        return { unsubscribe: stop };
      },
    };
  }

  function fetcher(params, options) {
    headers = (options && options.headers) || {};
    if (isSubscription(params.query || '', params.operationName)) {
      return subscribe(params);
    }
    return fetchHTTP(params, options);
  }

  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, {
    fetcher: fetcher,
    shouldPersistHeaders: true,
  }));
})();
