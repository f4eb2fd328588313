// The widget's operations: every one is public or uses the reservation's customer access token
// (createReservation's capability). Nothing here needs a staff account.

const rules = `cancellationRules { freeCancellationHours lateCancellationFee lateCancellationFeePercent
  lateCancellationFeeAmount { amount currency } customerMayCancel customerCancelUntilHours customerMayReschedule customerRescheduleUntilHours }`;

export const BUSINESS = `query Business($slug: String!) {
  business(slug: $slug) { slug name timeZone currency locale addressLine1 addressLine2 city postalCode
    contactEmail phone logoUrl cancellationPolicy }
  publicServices(tenantSlug: $slug) { id name description category durationMinutes price { amount currency }
    paymentPolicy depositKind depositValue requiresConfirmation ${rules}
    bookingFields { id key type required label help choices { key label } maxLength min max } }
}`;

export const STAFF = `query Staff($slug: String!, $service: UUID!) { publicStaff(tenantSlug: $slug, serviceId: $service) { id name } }`;

export const AVAILABILITY = `query Availability($slug: String!, $service: UUID!, $from: Date!, $to: Date!, $staff: UUID) {
  availability(tenantSlug: $slug, serviceId: $service, from: $from, to: $to, staffMemberId: $staff) {
    timeZone days { date slots { startsAt endsAt localStart staff { staffMember { id name } seatsLeft } } } } }`;

export const AVAILABILITY_CHANGED = `subscription AvailabilityChanged($slug: String!, $service: UUID!, $from: Date!, $to: Date!) {
  availabilityChanged(tenantSlug: $slug, serviceId: $service, from: $from, to: $to) { kind serviceId startsAt endsAt } }`;

export const BOOK = `mutation Book($in: CreateReservationInput!) {
  createReservation(input: $in) { customerAccessToken reservation { id status } } }`;

const reservationFields = `id status paymentStatus startsAt endsAt holdExpiresAt decisionDeadline declineReason cancelReason
  createdAt updatedAt
  service { id name durationMinutes paymentPolicy }
  staffMember { id name }
  customer { name email phone }
  note
  answers { key label value valueLabels }
  price { amount currency } amountDue { amount currency } depositDue { amount currency } amountPaid { amount currency }
  amountRefunded { amount currency } balanceDue { amount currency }
  canCancel cancellationDeadline canReschedule rescheduleDeadline freeCancellationUntil
  refundIfCancelledNow { amount currency } feeIfCancelledNow { amount currency }
  payments { id channel status amount { amount currency } redirectUrl failureCode failureMessage createdAt paidAt
    refundedAmount { amount currency } refunds { id amount { amount currency } status createdAt } }
  business { slug name timeZone cancellationPolicy contactEmail phone addressLine1 city }`;

export const RESERVATION = `query Reservation($id: UUID!) { reservation(id: $id) { ${reservationFields} } }`;

export const PAYMENT_OPTIONS = `query PaymentOptions($id: UUID!) { paymentOptions(reservationId: $id) { channel code payLaterProvider description } }`;

export const PAY = `mutation Pay($in: InitiatePaymentInput!) {
  initiatePayment(input: $in) { id status channel redirectUrl failureCode failureMessage amount { amount currency } } }`;

export const CANCEL = `mutation Cancel($id: UUID!, $reason: String) { cancelReservation(id: $id, reason: $reason) { ${reservationFields} } }`;

export const RESCHEDULE = `mutation Reschedule($id: UUID!, $in: RescheduleReservationInput!) {
  rescheduleReservation(id: $id, input: $in) { ${reservationFields} } }`;

export const RESERVATION_UPDATED = `subscription ReservationUpdated($id: UUID!) { reservationUpdated(id: $id) { kind } }`;

export const PAYMENT_UPDATED = `subscription PaymentUpdated($id: UUID!) { paymentUpdated(reservationId: $id) { kind payment { id status } } }`;

// "My bookings" by magic link: ask for a link (public, the same answer for every e-mail), redeem it
// for a session, read the customer's reservations with that session as the Bearer token.
export const REQUEST_MY_BOOKINGS = `mutation RequestMyBookings($in: RequestMyBookingsLinkInput!) {
  requestMyBookingsLink(input: $in) { accepted linkValidMinutes } }`;

export const REDEEM_MY_BOOKINGS = `mutation RedeemMyBookings($in: RedeemMyBookingsLinkInput!) {
  redeemMyBookingsLink(input: $in) { accessToken expiresAt } }`;

export const MY_BOOKINGS = `query MyBookings { myBookings(first: 50) {
  edges { node { id status startsAt customerAccessToken service { id name } staffMember { id name } } } } }`;
