package messages

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/slotpay/slotpay/services/database"
)

// NotificationSilence is how long payments may stay pending with no notification from imoje before
// the owners are warned (the same span as payments' setup warning).
const NotificationSilence = 15 * time.Minute

// CheckSilentImoje warns the owners of every business whose imoje payments have stayed pending for
// NotificationSilence with no notification since the method's last one: "imoje notifications are
// not arriving — check the notification URL". Once per incident: the incident is the method and
// its last notification (none, or the time of the last), the message's dedupe key, so later checks
// of the same silence record nothing, and a notification arriving ends it (the next silence is a
// new incident). Every instance may run it: the key makes concurrent checks record one message.
// It returns how many businesses were found silent.
func (s *Service) CheckSilentImoje(ctx context.Context) (int, error) {
	now := s.o.Now().UTC()
	rows, err := s.data.Pool().Query(ctx, `SELECT tenant_id, payment_method_id, last_notification_at FROM messages_silent_imoje($1, 100)`,
		now.Add(-NotificationSilence))
	if err != nil {
		return 0, err
	}
	type incident struct {
		tenant, method uuid.UUID
		last           *time.Time
	}
	var found []incident
	for rows.Next() {
		var in incident
		if err := rows.Scan(&in.tenant, &in.method, &in.last); err != nil {
			rows.Close()
			return 0, err
		}
		found = append(found, in)
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	url := strings.TrimRight(s.o.PublicBaseURL, "/") + "/payment-imoje"
	for _, in := range found {
		key := "imoje-silent:" + in.method.String() + ":never"
		sincePL, sinceEN := "(nigdy nie przyszło żadne)", "(none has ever arrived)"
		if in.last != nil {
			key = "imoje-silent:" + in.method.String() + ":" + in.last.UTC().Format(time.RFC3339Nano)
			sincePL = "od " + in.last.UTC().Format("2006-01-02 15:04") + " UTC"
			sinceEN = "since " + in.last.UTC().Format("2006-01-02 15:04") + " UTC"
		}
		err := s.data.InTenant(ctx, in.tenant, func(tx *database.Tx) error {
			// One message per owner, in the business's language; the key (with the owner) makes it
			// once per incident.
			tx.Queue(`INSERT INTO messages (`+insertColumns+`)
				SELECT $1, gen_random_uuid(), 'IMOJE_NOTIFICATIONS_SILENT', 'EMAIL', 'OWNER', u.email, u.name,
					CASE WHEN lower(left(t.locale, 2)) = 'en' THEN 'en' ELSE 'pl' END, NULL, NULL,
					jsonb_build_object('notificationUrl', $2::text, 'paymentMethod', pm.display_name,
						'since', CASE WHEN lower(left(t.locale, 2)) = 'en' THEN $3::text ELSE $4::text END),
					$5, $6 || ':' || u.id::text, NULL, false, 'QUEUED', $5, $5
				FROM memberships m
				JOIN users u ON u.id = m.user_id
				JOIN tenants t ON t.id = m.tenant_id
				JOIN payment_methods pm ON pm.tenant_id = m.tenant_id AND pm.id = $7
				WHERE m.tenant_id = $1 AND m.role = 'OWNER'`+onConflict,
				url, sinceEN, sincePL, now, key, in.method)
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return len(found), nil
}
