package server

import (
	"github.com/slotpay/slotpay/imojesim"
	"github.com/slotpay/slotpay/services/payments"
)

// developmentImoje starts the built-in imoje simulator (mounted under /_imoje) with one demo merchant
// whose shop notifies this instance. The log names the merchant and shop; the token and shop key are
// on the simulator's dashboard, since secrets never go into logs.
// Never in production: New only calls it in development with no SLOTPAY_IMOJE_BASE_URL.
func (s *Server) developmentImoje() *imojesim.Simulator {
	cfg := imojesim.DemoConfig()
	cfg.BaseURL = s.Config.PublicBaseURL + "/_imoje"
	for i := range cfg.Merchants {
		for j := range cfg.Merchants[i].Shops {
			cfg.Merchants[i].Shops[j].NotificationURL = s.Config.PublicBaseURL + payments.WebhookPath
		}
	}
	sim := imojesim.New(cfg)
	m := sim.Merchants()[0]
	s.Log.Info("development: imoje simulator mounted under /_imoje (no SLOTPAY_IMOJE_BASE_URL); new SANDBOX imoje methods use it",
		"dashboard", s.Config.PublicBaseURL+"/_imoje/_sim/", "merchant_id", m.ID, "shop_id", m.Shops[0].ServiceID)
	return sim
}
