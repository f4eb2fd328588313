// The agenda: a reservations list paged both ways with @connection, refetchable with another
// filter or order (@refetchable on Query), each row a fragment refetchable through node(id:).
import {graphql} from 'react-relay';

export const agendaQuery = graphql`
  query ReservationListQuery($filter: ReservationFilter, $orderBy: ReservationOrder) {
    ...ReservationList_query @arguments(filter: $filter, orderBy: $orderBy)
  }
`;

export const agenda = graphql`
  fragment ReservationList_query on Query
  @refetchable(queryName: "ReservationListPaginationQuery")
  @argumentDefinitions(
    filter: {type: "ReservationFilter"}
    orderBy: {type: "ReservationOrder", defaultValue: START_TIME_ASC}
    first: {type: "Int", defaultValue: 20}
    after: {type: "String"}
    last: {type: "Int"}
    before: {type: "String"}
  ) {
    reservations(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before)
      @connection(key: "ReservationList_reservations", filters: ["filter", "orderBy"]) {
      totalCount
      edges {
        node {
          id
          ...ReservationCard_reservation
        }
      }
    }
  }
`;
