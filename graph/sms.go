package graph

import (
	"fmt"
	"time"

	"github.com/slotpay/slotpay/graph/model"
	"github.com/slotpay/slotpay/services/sms"
)

// smsSettings is a business's SMS settings as the schema shows them (never the token).
func smsSettings(s *sms.Settings) *model.SmsSettings {
	clock := func(d time.Duration) string { return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60) }
	return &model.SmsSettings{Enabled: s.Enabled, Sending: s.Sending(), SenderName: textOrNull(s.SenderName), OwnToken: s.OwnToken(),
		TokenHint: textOrNull(s.TokenHint), PlatformTokenAvailable: s.PlatformAvailable, Transliterate: s.Transliterate,
		QuietHoursStart: clock(s.Quiet.Start), QuietHoursEnd: clock(s.Quiet.End), UpdatedAt: s.UpdatedAt}
}
