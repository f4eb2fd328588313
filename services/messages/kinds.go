package messages

// ImojeNotificationsSilent is the owner's warning that imoje's notifications do not arrive.
const ImojeNotificationsSilent Kind = "IMOJE_NOTIFICATIONS_SILENT"

// The built-in e-mails, in Polish and English. A business may replace any subject and body with its
// own (SetTemplate), using the same placeholders.
func init() {
	email := func(k Kind, placeholders []string, subjectPL, bodyPL, subjectEN, bodyEN string) Template {
		return Template{Kind: k, Channel: Email, Reservation: true, Placeholders: placeholders,
			Subject: map[string]string{"pl": subjectPL, "en": subjectEN},
			Body:    map[string]string{"pl": bodyPL, "en": bodyEN}}
	}
	templates := []Template{
		email(BookingConfirmation, nil,
			"Rezerwacja potwierdzona: {serviceName}, {startsAt}",
			"Dzień dobry {customerName},\n\npotwierdzamy Twoją wizytę w {businessName}.\n\nUsługa: {serviceName}\nKiedy: {startsAt} (do {endsAt})\nKto: {staffName}\nCena: {price}\nDo zapłaty: {balanceDue}\nAdres: {businessAddress}\n\nSzczegóły, płatność, zmiana terminu lub odwołanie wizyty:\n{manageLink}\n\nDo zobaczenia!\n{businessName}",
			"Booking confirmed: {serviceName}, {startsAt}",
			"Hello {customerName},\n\nyour visit at {businessName} is confirmed.\n\nService: {serviceName}\nWhen: {startsAt} (until {endsAt})\nWith: {staffName}\nPrice: {price}\nStill to pay: {balanceDue}\nAddress: {businessAddress}\n\nDetails, payment, rescheduling or cancelling:\n{manageLink}\n\nSee you soon!\n{businessName}"),
		email(PaymentRequest, []string{"holdDeadline", "amountDueNow"},
			"Opłać rezerwację do {holdDeadline}: {serviceName}",
			"Dzień dobry {customerName},\n\nrezerwujemy dla Ciebie termin w {businessName}: {serviceName}, {startsAt}.\n\nAby go potwierdzić, zapłać {amountDueNow} do {holdDeadline}; potem termin zostanie zwolniony.\n\nZapłać tutaj:\n{manageLink}\n\n{businessName}",
			"Pay for your booking by {holdDeadline}: {serviceName}",
			"Hello {customerName},\n\nwe are holding a time for you at {businessName}: {serviceName}, {startsAt}.\n\nTo confirm it, pay {amountDueNow} by {holdDeadline}; after that the time is released.\n\nPay here:\n{manageLink}\n\n{businessName}"),
		email(PaymentReceived, []string{"amountPaid", "paymentMethod"},
			"Otrzymaliśmy płatność: {serviceName}, {startsAt}",
			"Dzień dobry {customerName},\n\ndziękujemy za płatność.\n\nUsługa: {serviceName}, {startsAt}\nCena: {price}\nZapłacono: {amountPaid} ({paymentMethod})\nPozostało do zapłaty: {balanceDue}\n\nSzczegóły wizyty:\n{manageLink}\n\n{businessName}",
			"Payment received: {serviceName}, {startsAt}",
			"Hello {customerName},\n\nthank you for your payment.\n\nService: {serviceName}, {startsAt}\nPrice: {price}\nPaid: {amountPaid} ({paymentMethod})\nStill to pay: {balanceDue}\n\nYour visit:\n{manageLink}\n\n{businessName}"),
		email(Reminder, nil,
			"Przypomnienie: {serviceName}, {startsAt}",
			"Dzień dobry {customerName},\n\nprzypominamy o wizycie w {businessName}.\n\nUsługa: {serviceName}\nKiedy: {startsAt}\nKto: {staffName}\nAdres: {businessAddress}\nDo zapłaty: {balanceDue}\n\nNie możesz przyjść? Zmień termin lub odwołaj wizytę:\n{manageLink}\n\n{businessName}",
			"Reminder: {serviceName}, {startsAt}",
			"Hello {customerName},\n\na reminder of your visit at {businessName}.\n\nService: {serviceName}\nWhen: {startsAt}\nWith: {staffName}\nAddress: {businessAddress}\nStill to pay: {balanceDue}\n\nCannot come? Reschedule or cancel:\n{manageLink}\n\n{businessName}"),
		email(Rescheduled, nil,
			"Zmiana terminu: {serviceName}, {startsAt}",
			"Dzień dobry {customerName},\n\nTwoja wizyta w {businessName} ma nowy termin.\n\nUsługa: {serviceName}\nNowy termin: {startsAt} (do {endsAt})\nKto: {staffName}\n\nSzczegóły:\n{manageLink}\n\n{businessName}",
			"Your visit has moved: {serviceName}, {startsAt}",
			"Hello {customerName},\n\nyour visit at {businessName} has a new time.\n\nService: {serviceName}\nNew time: {startsAt} (until {endsAt})\nWith: {staffName}\n\nDetails:\n{manageLink}\n\n{businessName}"),
		email(Cancellation, []string{"refundAmount", "cancelReason"},
			"Wizyta odwołana: {serviceName}, {startsAt}",
			"Dzień dobry {customerName},\n\nTwoja wizyta w {businessName} ({serviceName}, {startsAt}) została odwołana.\n\nZwrot: {refundAmount}\n\n{businessName}",
			"Visit cancelled: {serviceName}, {startsAt}",
			"Hello {customerName},\n\nyour visit at {businessName} ({serviceName}, {startsAt}) is cancelled.\n\nRefund: {refundAmount}\n\n{businessName}"),
		email(ApprovalRequested, []string{"decisionDeadline"},
			"Prośba o rezerwację przyjęta: {serviceName}, {startsAt}",
			"Dzień dobry {customerName},\n\notrzymaliśmy Twoją prośbę o wizytę w {businessName}: {serviceName}, {startsAt}. Termin jest dla Ciebie zarezerwowany; odpowiemy najpóźniej {decisionDeadline}.\n\nSzczegóły:\n{manageLink}\n\n{businessName}",
			"Booking request received: {serviceName}, {startsAt}",
			"Hello {customerName},\n\nwe received your request for a visit at {businessName}: {serviceName}, {startsAt}. The time is held for you; we will answer by {decisionDeadline}.\n\nDetails:\n{manageLink}\n\n{businessName}"),
		email(ApprovalApproved, nil,
			"Rezerwacja zaakceptowana: {serviceName}, {startsAt}",
			"Dzień dobry {customerName},\n\n{businessName} zaakceptował(a) Twoją wizytę: {serviceName}, {startsAt}, {staffName}.\nStatus: {status}\nDo zapłaty: {balanceDue}\n\nSzczegóły i płatność:\n{manageLink}\n\n{businessName}",
			"Booking accepted: {serviceName}, {startsAt}",
			"Hello {customerName},\n\n{businessName} accepted your visit: {serviceName}, {startsAt}, {staffName}.\nStatus: {status}\nStill to pay: {balanceDue}\n\nDetails and payment:\n{manageLink}\n\n{businessName}"),
		email(ApprovalDeclined, []string{"declineReason", "refundAmount"},
			"Rezerwacja odrzucona: {serviceName}, {startsAt}",
			"Dzień dobry {customerName},\n\nniestety {businessName} nie może przyjąć Twojej wizyty ({serviceName}, {startsAt}).\n{declineReason}\n\nZwrot: {refundAmount}\n\n{businessName}",
			"Booking declined: {serviceName}, {startsAt}",
			"Hello {customerName},\n\nunfortunately {businessName} cannot take your visit ({serviceName}, {startsAt}).\n{declineReason}\n\nRefund: {refundAmount}\n\n{businessName}"),
		email(StaffNewBooking, nil,
			"Nowa rezerwacja: {serviceName}, {startsAt}, {customerName}",
			"Nowa rezerwacja w {businessName}.\n\nKlient: {customerName}\nUsługa: {serviceName}\nKiedy: {startsAt} (do {endsAt})\nKto: {staffName}\nStatus: {status}\n\n{manageLink}",
			"New booking: {serviceName}, {startsAt}, {customerName}",
			"A new booking at {businessName}.\n\nCustomer: {customerName}\nService: {serviceName}\nWhen: {startsAt} (until {endsAt})\nWith: {staffName}\nStatus: {status}\n\n{manageLink}"),
		email(StaffCancellation, []string{"refundAmount", "cancelReason"},
			"Klient odwołał wizytę: {serviceName}, {startsAt}, {customerName}",
			"{customerName} odwołał(a) wizytę w {businessName}.\n\nUsługa: {serviceName}\nKiedy: {startsAt}\nKto: {staffName}\nPowód: {cancelReason}\nZwrot: {refundAmount}\n\n{manageLink}",
			"A customer cancelled: {serviceName}, {startsAt}, {customerName}",
			"{customerName} cancelled a visit at {businessName}.\n\nService: {serviceName}\nWhen: {startsAt}\nWith: {staffName}\nReason: {cancelReason}\nRefund: {refundAmount}\n\n{manageLink}"),
		email(StaffPaymentFailed, []string{"paymentMethod"},
			"Nieudana płatność: {serviceName}, {startsAt}, {customerName}",
			"Płatność za wizytę w {businessName} nie powiodła się.\n\nKlient: {customerName}\nUsługa: {serviceName}\nKiedy: {startsAt}\nStatus: {status}\n\n{manageLink}",
			"Payment failed: {serviceName}, {startsAt}, {customerName}",
			"A payment for a visit at {businessName} failed.\n\nCustomer: {customerName}\nService: {serviceName}\nWhen: {startsAt}\nStatus: {status}\n\n{manageLink}"),
		{Kind: ImojeNotificationsSilent, Channel: Email, Placeholders: []string{"notificationUrl", "paymentMethod", "since"},
			Subject: map[string]string{
				"pl": "Powiadomienia imoje nie docierają: sprawdź adres powiadomień",
				"en": "imoje notifications are not arriving: check the notification URL"},
			Body: map[string]string{
				"pl": "Płatności metodą „{paymentMethod}” w {businessName} od ponad 15 minut czekają, a od imoje nie przyszło żadne powiadomienie {since}. Statusy płatności nie aktualizują się.\n\nSprawdź, czy adres powiadomień w panelu imoje (Sklepy → Szczegóły → Dane do integracji) to dokładnie:\n{notificationUrl}",
				"en": "Payments by “{paymentMethod}” at {businessName} have been pending for more than 15 minutes and no notification came from imoje {since}. Payment statuses are not being updated.\n\nCheck that the notification URL in imoje's panel (Shops → Details → Integration data) is exactly:\n{notificationUrl}"}},
	}
	for _, t := range templates {
		if t.Kind == Reminder {
			t.Wanted = reminderWanted
		}
		Register(t)
	}
}

// reminderWanted: a reminder goes only for a visit still confirmed at the time it was scheduled
// for (a moved visit's reminders are cancelled and scheduled again; this also covers changes made
// where no message is recorded, such as an expiry in the database).
func reminderWanted(f Facts) bool {
	return f["reservationStatus"] == "CONFIRMED" && f["startsAtUTC"] == f["scheduledFor"]
}
