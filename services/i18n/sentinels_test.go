package i18n_test

import (
	"testing"

	"github.com/slotpay/slotpay/services/apperr"
	"github.com/slotpay/slotpay/services/auth"
	"github.com/slotpay/slotpay/services/booking"
	"github.com/slotpay/slotpay/services/bookingfields"
	"github.com/slotpay/slotpay/services/calendar"
	"github.com/slotpay/slotpay/services/customers"
	"github.com/slotpay/slotpay/services/i18n"
	"github.com/slotpay/slotpay/services/mybookings"
	"github.com/slotpay/slotpay/services/payments"
	"github.com/slotpay/slotpay/services/sms"
	"github.com/slotpay/slotpay/services/tenancy"
)

// The domains' fixed messages each have their own Polish text (not only their code's).
func TestSentinelsAreTranslated(t *testing.T) {
	t.Parallel()
	for _, e := range []*apperr.Error{
		booking.ErrSlotUnavailable, booking.ErrServiceNotFound, booking.ErrServiceNotBookable, booking.ErrStaffNotFound,
		booking.ErrStaffNotBookable, booking.ErrStaffNotPerforming, booking.ErrReservationNotFound, booking.ErrTimeOffNotFound,
		booking.ErrIllegalTransition, booking.ErrIdempotencyMismatch, booking.ErrNotStarted, booking.ErrAlreadyStarted,
		booking.ErrUserAlreadyLinked, booking.ErrUserNotMember, booking.ErrScheduleOverlap, booking.ErrStartInPast,
		booking.ErrStartTooSoon, booking.ErrStartTooFar, booking.ErrOutsideWorkingHours, booking.ErrMisaligned,
		booking.ErrNoStaffForService, booking.ErrCustomerCannotChange,
		booking.ErrCancellationNotAllowed, booking.ErrCancellationDeadlinePassed, booking.ErrRefundChoiceStaffOnly,
		booking.ErrDecisionDeadlinePassed, booking.ErrCustomerCannotReschedule, booking.ErrRescheduleDeadlinePassed,
		booking.ErrServiceChangeStaffOnly, booking.ErrServiceCurrency,
		tenancy.ErrBadCredentials, tenancy.ErrBadRefreshToken, tenancy.ErrSlugTaken, tenancy.ErrEmailTaken,
		tenancy.ErrAlreadyMember, tenancy.ErrOpenInvitation, tenancy.ErrBadInvitation, tenancy.ErrLastOwner,
		tenancy.ErrRoleTooHigh, tenancy.ErrNoMembership, tenancy.ErrChooseTenant, tenancy.ErrTenantNotFound,
		tenancy.ErrMemberNotFound, tenancy.ErrInviteNotFound,
		payments.ErrMethodNotFound, payments.ErrPaymentNotFound, payments.ErrNoImoje, payments.ErrAlreadyPaid,
		payments.ErrNotPayable, payments.ErrPaymentInProgress, payments.ErrIdempotencyMismatch, payments.ErrChannelUnavailable,
		payments.ErrImojeUnavailable, payments.ErrImojeRefused, payments.ErrRefundTooLarge, payments.ErrNotRefundable,
		payments.ErrCannotMarkPaid, payments.ErrNothingDue,
		auth.ErrNotMember,
		customers.ErrCustomerNotFound, customers.ErrEmailTaken, customers.ErrMergeWithItself,
		bookingfields.ErrFieldNotFound, bookingfields.ErrServiceNotFound, bookingfields.ErrKeyTaken,
		sms.ErrNoToken, sms.ErrTokenRefused, sms.ErrSMSAPIUnavailable, sms.ErrCustomerNotFound, sms.ErrReservationNotFound,
		calendar.ErrFeedNotFound, calendar.ErrStaffNotFound, mybookings.ErrBadLink,
	} {
		generic := i18n.Message(i18n.Polish, apperr.New(e.Code, "a message without a translation"))
		if got := i18n.Message(i18n.Polish, e); got == e.Message || got == generic {
			t.Errorf("%q has no Polish text of its own (got %q)", e.Message, got)
		}
	}
}
