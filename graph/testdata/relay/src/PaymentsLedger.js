// The owner's ledger: payments, refunds and imoje's notifications, each paged backwards and forwards,
// and one payment refetched by its global id.
import {graphql} from 'react-relay';

export const payments = graphql`
  fragment PaymentsLedger_payments on Query
  @refetchable(queryName: "PaymentsLedgerPaginationQuery")
  @argumentDefinitions(
    filter: {type: "PaymentFilter"}
    first: {type: "Int", defaultValue: 20}
    after: {type: "String"}
    last: {type: "Int"}
    before: {type: "String"}
  ) {
    payments(filter: $filter, first: $first, after: $after, last: $last, before: $before)
      @connection(key: "PaymentsLedger_payments", filters: ["filter"]) {
      totalCount
      edges { node { id channel status amount { amount currency } refunds { id status } ...PaymentsLedger_payment } }
    }
  }
`;

export const payment = graphql`
  fragment PaymentsLedger_payment on Payment @refetchable(queryName: "PaymentsLedgerPaymentRefetchQuery") {
    id
    status
    paidAt
    refundedAmount { amount currency }
  }
`;

export const refunds = graphql`
  fragment PaymentsLedger_refunds on Query
  @refetchable(queryName: "PaymentsLedgerRefundsPaginationQuery")
  @argumentDefinitions(first: {type: "Int", defaultValue: 20}, after: {type: "String"}) {
    refunds(first: $first, after: $after) @connection(key: "PaymentsLedger_refunds") {
      edges { node { id status amount { amount currency } automatic } }
    }
  }
`;

export const notifications = graphql`
  fragment PaymentsLedger_notifications on Query
  @refetchable(queryName: "PaymentsLedgerNotificationsPaginationQuery")
  @argumentDefinitions(first: {type: "Int", defaultValue: 20}, after: {type: "String"}) {
    paymentNotifications(first: $first, after: $after) @connection(key: "PaymentsLedger_paymentNotifications") {
      edges { node { id kind outcome detail imojeStatus receivedAt } }
    }
  }
`;

export const ledger = graphql`
  query PaymentsLedgerQuery {
    ...PaymentsLedger_payments
    ...PaymentsLedger_refunds
    ...PaymentsLedger_notifications
  }
`;

export const nodes = graphql`
  query PaymentsLedgerNodesQuery($ids: [ID!]!) {
    nodes(ids: $ids) {
      __typename
      id
      ... on Payment { paymentState: status }
      ... on Refund { refundStatus: status }
    }
  }
`;
