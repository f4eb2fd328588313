// Package demo creates the development server's demo business (`go run . -demo`): services with
// prices and payment policies, two staff members with working hours, custom booking fields, a
// cancellation policy, an on-site payment method and an imoje method connected to the built-in imoje
// simulator's shop. It speaks the public GraphQL API to the server's own handler, as the panel would,
// so the demo goes through every rule a business's own setup goes through. Seed is idempotent: what
// exists (by slug, name or key) is kept, what is missing is created, and the imoje credentials are
// saved again each start (the simulator's shop gets fresh credentials every run).
package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"

	"github.com/slotpay/slotpay/imojesim"
)

// The demo business and its owner's log-in.
const (
	Slug     = "demo"
	Email    = "owner@demo.slotpay.test"
	Password = "demo-owner-password-2026"
)

// Shop is the imoje shop the demo's payment method is connected to.
type Shop struct {
	MerchantID, Token, ShopID, ShopKey string
}

// ShopOf returns the first shop of sim's first merchant (the development simulator's demo shop).
func ShopOf(sim *imojesim.Simulator) (Shop, bool) {
	if sim == nil {
		return Shop{}, false
	}
	for _, m := range sim.Merchants() {
		for _, s := range m.Shops {
			return Shop{MerchantID: m.ID, Token: m.Token, ShopID: s.ServiceID, ShopKey: s.ServiceKey}, true
		}
	}
	return Shop{}, false
}

// Result names what Seed made (or found).
type Result struct {
	Slug, Email, Password string
	// Created is false when the business existed already.
	Created bool
	// Services and Staff map names to ids.
	Services map[string]string
	Staff    map[string]string
	// ImojeConnected is whether the imoje method was connected to the simulator's shop.
	ImojeConnected bool
}

type service struct {
	name, description, category string
	minutes, price              int
	policy                      string // NONE, OPTIONAL, REQUIRED
	hold                        int
	depositPercent              int
}

// The demo catalogue: a prepaid service, one with a 30% deposit, one paid optionally online, and a
// free consultation. Names are Polish first, as a Polish salon's would be.
var services = []service{
	{name: "Strzyżenie damskie", description: "Mycie, strzyżenie i modelowanie. / Wash, cut and blow-dry.", category: "Fryzjer",
		minutes: 60, price: 12000, policy: "REQUIRED", hold: 15},
	{name: "Koloryzacja", description: "Farbowanie z konsultacją; zaliczka 30%. / Colouring with a consultation; 30% deposit.", category: "Fryzjer",
		minutes: 120, price: 35000, policy: "REQUIRED", hold: 20, depositPercent: 30},
	{name: "Manicure hybrydowy", description: "Płatność online lub na miejscu. / Pay online or at the salon.", category: "Paznokcie",
		minutes: 45, price: 9000, policy: "OPTIONAL"},
	{name: "Konsultacja", description: "Bezpłatna rozmowa przed zabiegiem. / A free talk before a treatment.", category: "Inne",
		minutes: 30, price: 0, policy: "NONE"},
}

type staff struct {
	name     string
	services []string
	hours    [][3]string // weekday, start, end
}

var weekdays = []string{"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"}

var team = []staff{
	{name: "Anna Kowalska", services: []string{"Strzyżenie damskie", "Koloryzacja", "Konsultacja"},
		hours: append(days(weekdays, "09:00", "17:00"), [3]string{"SATURDAY", "10:00", "14:00"})},
	{name: "Marek Nowak", services: []string{"Strzyżenie damskie", "Manicure hybrydowy", "Konsultacja"},
		hours: days(append(slices.Clone(weekdays), "SATURDAY", "SUNDAY"), "11:00", "19:00")},
}

func days(names []string, start, end string) [][3]string {
	out := make([][3]string, len(names))
	for i, d := range names {
		out[i] = [3]string{d, start, end}
	}
	return out
}

// Seed makes the demo business on the server behind h. shop may be zero (no simulator mounted:
// SLOTPAY_IMOJE_BASE_URL is set), and then the imoje method is left unconnected.
func Seed(ctx context.Context, h http.Handler, shop Shop) (Result, error) {
	c := &client{h: h, ctx: ctx}
	res := Result{Slug: Slug, Email: Email, Password: Password, Services: map[string]string{}, Staff: map[string]string{}}

	var exists struct{ Business *struct{ Slug string } }
	if err := c.do(`query($s: String!) { business(slug: $s) { slug } }`, map[string]any{"s": Slug}, &exists); err != nil && !isCode(err, "NOT_FOUND") {
		return res, err
	}
	var auth struct {
		SignUp, LogIn *struct{ AccessToken string }
	}
	if exists.Business == nil {
		if err := c.do(`mutation($in: SignUpInput!) { signUp(input: $in) { accessToken } }`, map[string]any{"in": map[string]any{
			"tenantName": "Studio Urody Demo", "slug": Slug, "timeZone": "Europe/Warsaw", "currency": "PLN", "locale": "pl-PL",
			"ownerName": "Ewa Demo", "email": Email, "password": Password,
		}}, &auth); err != nil {
			return res, fmt.Errorf("sign up the demo business: %w", err)
		}
		c.token = auth.SignUp.AccessToken
		res.Created = true
	} else {
		if err := c.do(`mutation($in: LogInInput!) { logIn(input: $in) { accessToken } }`, map[string]any{"in": map[string]any{
			"email": Email, "password": Password,
		}}, &auth); err != nil {
			return res, fmt.Errorf("the business %q exists but its demo owner cannot log in (was it made by hand?): %w", Slug, err)
		}
		c.token = auth.LogIn.AccessToken
	}

	if err := c.do(`mutation($in: UpdateTenantInput!) { updateTenant(input: $in) { slug } }`, map[string]any{"in": map[string]any{
		"addressLine1": "ul. Przykładowa 12", "city": "Warszawa", "postalCode": "00-001", "country": "PL",
		"contactEmail": "kontakt@demo.slotpay.test", "phone": "+48 22 123 45 67",
		"cancellationPolicy": "Bezpłatne odwołanie do 24 godzin przed wizytą; później zatrzymujemy 50% ceny. / Free cancellation until 24 hours before the visit; later we keep 50% of the price.",
	}}, nil); err != nil {
		return res, fmt.Errorf("demo profile: %w", err)
	}
	if err := c.do(`mutation($in: BookingSettingsInput!) { updateBookingSettings(input: $in) { slotStepMinutes } }`, map[string]any{"in": map[string]any{
		"minNoticeMinutes": 60, "slotStepMinutes": 15, "bookingHorizonDays": 60, "defaultHoldMinutes": 15,
		"cancellationRules": map[string]any{"freeCancellationHours": 24, "lateCancellationFee": "PERCENT", "lateCancellationFeePercent": 50,
			"customerMayCancel": true, "customerCancelUntilHours": 2, "customerMayReschedule": true, "customerRescheduleUntilHours": 12},
	}}, nil); err != nil {
		return res, fmt.Errorf("demo booking settings: %w", err)
	}

	var have struct {
		Services     []struct{ ID, Name string }
		StaffMembers []struct{ ID, Name string }
	}
	if err := c.do(`{ services { id name } staffMembers { id name } }`, nil, &have); err != nil {
		return res, err
	}
	for _, s := range have.Services {
		res.Services[s.Name] = s.ID
	}
	for _, s := range have.StaffMembers {
		res.Staff[s.Name] = s.ID
	}
	for _, s := range services {
		if res.Services[s.name] != "" {
			continue
		}
		in := map[string]any{"name": s.name, "description": s.description, "category": s.category, "durationMinutes": s.minutes,
			"priceAmount": s.price, "paymentPolicy": s.policy, "bufferAfterMinutes": 0}
		if s.hold > 0 {
			in["holdMinutes"] = s.hold
		}
		if s.depositPercent > 0 {
			in["depositKind"], in["depositValue"] = "PERCENT", s.depositPercent
		}
		var out struct{ CreateService struct{ ID string } }
		if err := c.do(`mutation($in: ServiceInput!) { createService(input: $in) { id } }`, map[string]any{"in": in}, &out); err != nil {
			return res, fmt.Errorf("demo service %q: %w", s.name, err)
		}
		res.Services[s.name] = out.CreateService.ID
	}
	for _, m := range team {
		ids := make([]string, len(m.services))
		for i, n := range m.services {
			ids[i] = res.Services[n]
		}
		if res.Staff[m.name] == "" {
			var out struct{ CreateStaffMember struct{ ID string } }
			if err := c.do(`mutation($in: StaffMemberInput!) { createStaffMember(input: $in) { id } }`,
				map[string]any{"in": map[string]any{"name": m.name, "serviceIds": ids}}, &out); err != nil {
				return res, fmt.Errorf("demo staff member %q: %w", m.name, err)
			}
			res.Staff[m.name] = out.CreateStaffMember.ID
		}
		week := make([]map[string]any, len(m.hours))
		for i, d := range m.hours {
			week[i] = map[string]any{"weekday": d[0], "start": d[1], "end": d[2]}
		}
		if err := c.do(`mutation($id: UUID!, $w: [WeeklyIntervalInput!]!) { setWeeklySchedule(staffMemberId: $id, intervals: $w) { weekday } }`,
			map[string]any{"id": res.Staff[m.name], "w": week}, nil); err != nil {
			return res, fmt.Errorf("demo hours of %q: %w", m.name, err)
		}
	}
	if err := c.seedFields(res.Services["Strzyżenie damskie"]); err != nil {
		return res, err
	}
	connected, err := c.seedPayments(shop)
	if err != nil {
		return res, err
	}
	res.ImojeConnected = connected
	return res, nil
}

// seedFields adds the demo's booking questions: a required choice for the haircut, and two asked
// for every service (an optional text and a required consent tick box).
func (c *client) seedFields(haircut string) error {
	var have struct{ BookingFields []struct{ Key string } }
	if err := c.do(`{ bookingFields { key } }`, nil, &have); err != nil {
		return err
	}
	fields := []map[string]any{
		{"serviceId": haircut, "key": "hair_length", "type": "SINGLE_CHOICE", "required": true, "position": 0,
			"label": map[string]any{"pl": "Długość włosów", "en": "Hair length"},
			"choices": []map[string]any{
				{"key": "short", "label": map[string]any{"pl": "Krótkie", "en": "Short"}},
				{"key": "medium", "label": map[string]any{"pl": "Średnie", "en": "Medium"}},
				{"key": "long", "label": map[string]any{"pl": "Długie", "en": "Long"}},
			}},
		{"key": "allergies", "type": "TEXT", "required": false, "position": 1, "maxLength": 200,
			"label": map[string]any{"pl": "Alergie lub uwagi zdrowotne", "en": "Allergies or health notes"},
			"help":  map[string]any{"pl": "Np. alergia na składniki farb.", "en": "E.g. an allergy to hair dye."}},
		{"key": "terms", "type": "CHECKBOX", "required": true, "position": 2,
			"label": map[string]any{"pl": "Akceptuję regulamin salonu", "en": "I accept the salon's terms"}},
	}
	for _, f := range fields {
		if slices.ContainsFunc(have.BookingFields, func(h struct{ Key string }) bool { return h.Key == f["key"] }) {
			continue
		}
		if err := c.do(`mutation($in: BookingFieldInput!) { createBookingField(input: $in) { id } }`, map[string]any{"in": f}, nil); err != nil {
			return fmt.Errorf("demo booking field %v: %w", f["key"], err)
		}
	}
	return nil
}

// seedPayments makes the on-site and imoje methods and connects imoje to shop (SANDBOX: in
// development the built-in simulator stands in for imoje's sandbox).
func (c *client) seedPayments(shop Shop) (bool, error) {
	var have struct{ PaymentMethods []struct{ ID, Kind string } }
	if err := c.do(`{ paymentMethods { id kind } }`, nil, &have); err != nil {
		return false, err
	}
	find := func(kind string) string {
		for _, m := range have.PaymentMethods {
			if m.Kind == kind {
				return m.ID
			}
		}
		return ""
	}
	if find("ON_SITE") == "" {
		if err := c.do(`mutation { createPaymentMethod(input: {kind: ON_SITE, displayName: "Na miejscu / At the salon", sortOrder: 2}) { id } }`, nil, nil); err != nil {
			return false, fmt.Errorf("demo on-site method: %w", err)
		}
	}
	imojeID := find("IMOJE")
	if imojeID == "" {
		var out struct{ CreatePaymentMethod struct{ ID string } }
		if err := c.do(`mutation { createPaymentMethod(input: {kind: IMOJE, displayName: "Płatność online (imoje)", isDefault: true, sortOrder: 1}) { id } }`, nil, &out); err != nil {
			return false, fmt.Errorf("demo imoje method: %w", err)
		}
		imojeID = out.CreatePaymentMethod.ID
	}
	if shop.ShopID == "" {
		return false, nil
	}
	if err := c.do(`mutation($in: ImojeCredentialsInput!) { saveImojeCredentials(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"paymentMethodId": imojeID, "authorizationToken": shop.Token, "merchantId": shop.MerchantID,
		"shopId": shop.ShopID, "shopKey": shop.ShopKey, "environment": "SANDBOX",
		"channels": []string{"BLIK", "PBL", "PAY_LATER", "CARD"},
	}}, nil); err != nil {
		return false, fmt.Errorf("connect the demo's imoje method to the simulator: %w", err)
	}
	return true, nil
}

// client posts GraphQL to the handler in process (no network: the seed runs beside the listener).
type client struct {
	h     http.Handler
	ctx   context.Context
	token string
}

type apiError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

type apiErrors []apiError

func (e apiErrors) Error() string {
	b, _ := json.Marshal([]apiError(e))
	return string(b)
}

func isCode(err error, code string) bool {
	var e apiErrors
	return errors.As(err, &e) && len(e) > 0 && e[0].Extensions["code"] == code
}

func (c *client) do(query string, vars map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequestWithContext(c.ctx, http.MethodPost, "/graphql", bytes.NewReader(body))
	req.RemoteAddr = "127.0.0.1:1"
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept-Language", "en")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, req)
	var resp struct {
		Data   json.RawMessage `json:"data"`
		Errors apiErrors       `json:"errors"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		return fmt.Errorf("HTTP %d: %s", rec.Code, rec.Body.String())
	}
	if len(resp.Errors) > 0 {
		return resp.Errors
	}
	if out != nil {
		return json.Unmarshal(resp.Data, out)
	}
	return nil
}
