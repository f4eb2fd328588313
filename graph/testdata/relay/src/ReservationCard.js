// One reservation, refetchable on its own: Relay generates the refetch query through
// node(id:), which needs Reservation to implement Node.
import {graphql} from 'react-relay';

export const card = graphql`
  fragment ReservationCard_reservation on Reservation
  @refetchable(queryName: "ReservationCardRefetchQuery") {
    id
    startsAt
    status
    paymentStatus
    price { amount currency }
    customer { name }
    service { id name }
    staffMember { id name }
    payments { id status }
  }
`;

export const byNode = graphql`
  query ReservationCardNodeQuery($id: ID!) {
    node(id: $id) {
      id
      ...ReservationCard_reservation @alias
    }
  }
`;
