package i18n

import "github.com/slotpay/slotpay/services/apperr"

// translations of one message by locale; a locale may have several templates, the first whose
// parameters are all given is used (render).
type translations map[string][]string

// fieldKey finds a message by sub-code and field (fieldName: "customer.email").
type fieldKey struct {
	reason apperr.Reason
	field  string
}

func t(en, pl string, more ...string) translations {
	out := translations{English: {en}, Polish: {pl}}
	for i := 0; i+1 < len(more); i += 2 {
		out[English] = append(out[English], more[i])
		out[Polish] = append(out[Polish], more[i+1])
	}
	return out
}

// byReason is the message of each sub-code when its field has no finer one. Every reason has one in
// every locale (TestEveryReasonIsTranslated).
var byReason = map[apperr.Reason]translations{
	apperr.Required:      t("this field is required", "To pole jest wymagane."),
	apperr.InvalidFormat: t("the value has the wrong format", "Wartość ma nieprawidłowy format."),
	apperr.TooLong: t("must be at most {max} characters", "Wartość może mieć co najwyżej {max|znak|znaki|znaków}.",
		"the value is too long", "Wartość jest za długa."),
	apperr.TooShort: t("must be at least {min} characters", "Wartość musi mieć co najmniej {min|znak|znaki|znaków}.",
		"the value is too short", "Wartość jest za krótka."),
	apperr.OutOfRange: t("must be between {min} and {max}", "Wartość musi mieścić się w zakresie od {min} do {max}.",
		"the value is out of range", "Wartość jest poza dozwolonym zakresem."),
	apperr.NotAllowed:   t("this value is not allowed", "Ta wartość jest niedozwolona."),
	apperr.Inconsistent: t("the value contradicts another field", "Wartość jest sprzeczna z innym polem."),
	apperr.InvalidValue: t("the value is not valid", "Wartość jest nieprawidłowa."),
}

// byCode is the message of each code when nothing finer fits.
var byCode = map[apperr.Code]translations{
	apperr.Unauthenticated: t("authentication required", "Wymagane jest zalogowanie."),
	apperr.Forbidden:       t("not allowed", "Brak uprawnień do tej operacji."),
	apperr.NotFound:        t("not found", "Nie znaleziono."),
	apperr.BadUserInput:    t("the input is not valid", "Dane wejściowe są nieprawidłowe."),
	apperr.Conflict:        t("this change conflicts with the current state", "Ta zmiana jest sprzeczna z bieżącym stanem."),
	apperr.SlotUnavailable: t("this time is no longer available", "Ten termin nie jest już dostępny."),
	apperr.PaymentFailed:   t("the payment provider refused the request", "Operator płatności odrzucił żądanie."),
	apperr.RateLimited:     t("too many attempts: try again later", "Zbyt wiele prób. Spróbuj ponownie później."),
	apperr.Internal:        t("internal error", "Błąd wewnętrzny."),
}

// Codes lists every code byCode must translate.
var Codes = []apperr.Code{apperr.Unauthenticated, apperr.Forbidden, apperr.NotFound, apperr.BadUserInput,
	apperr.Conflict, apperr.SlotUnavailable, apperr.PaymentFailed, apperr.RateLimited, apperr.Internal}

// byField are the messages a field needs beyond its sub-code's.
var byField = map[fieldKey]translations{
	{apperr.Required, "customer.name"}:       t("name is required", "Podaj imię i nazwisko."),
	{apperr.TooLong, "customer.name"}:        t("name must be at most {max} characters", "Imię i nazwisko może mieć co najwyżej {max|znak|znaki|znaków}."),
	{apperr.Required, "customer.email"}:      t("e-mail address is required", "Podaj adres e-mail."),
	{apperr.InvalidFormat, "customer.email"}: t("e-mail address is not valid", "Adres e-mail jest nieprawidłowy."),
	{apperr.InvalidFormat, "customer.phone"}: t("phone number may contain only digits, spaces, dashes and a leading +",
		"Numer telefonu może zawierać tylko cyfry, spacje, myślniki i początkowy znak +."),
	{apperr.TooShort, "customer.phone"}:  t("phone number must have 6 to 15 digits", "Numer telefonu musi mieć od 6 do 15 cyfr."),
	{apperr.TooLong, "customer.phone"}:   t("phone number must have 6 to 15 digits", "Numer telefonu musi mieć od 6 do 15 cyfr."),
	{apperr.Required, "email"}:           t("e-mail address is required", "Podaj adres e-mail."),
	{apperr.InvalidFormat, "email"}:      t("e-mail address is not valid", "Adres e-mail jest nieprawidłowy."),
	{apperr.Required, "startsAt"}:        t("start time is required", "Podaj godzinę rozpoczęcia."),
	{apperr.Required, "durationMinutes"}: t("duration is required", "Podaj czas trwania."),
	{apperr.Required, "priceAmount"}:     t("price is required (0 for free)", "Podaj cenę (0, jeśli usługa jest bezpłatna)."),
	{apperr.OutOfRange, "priceAmount"}: t("price must be between {min} and {max} minor units",
		"Cena musi mieścić się w zakresie od {min} do {max} (w groszach lub centach)."),
	{apperr.OutOfRange, "refundAmount"}: t("the refund must be between {min} and {max}, what was paid and not yet refunded",
		"Zwrot musi mieścić się w zakresie od {min} do {max} (tyle zapłacono i jeszcze nie zwrócono)."),
	{apperr.Required, "name"}:       t("name is required", "Podaj nazwę."),
	{apperr.Required, "tenantName"}: t("name is required", "Podaj nazwę firmy."),
	{apperr.Required, "ownerName"}:  t("name is required", "Podaj imię i nazwisko."),
	{apperr.InvalidFormat, "slug"}: t("slug must be 3 to 63 lowercase letters, digits or hyphens",
		"Identyfikator musi mieć od 3 do 63 znaków: małe litery, cyfry lub myślniki, na początku i na końcu litera lub cyfra."),
	{apperr.NotAllowed, "slug"}:          t("this slug is reserved", "Ten identyfikator jest zarezerwowany."),
	{apperr.InvalidFormat, "timeZone"}:   t("time zone must be an IANA name such as Europe/Warsaw", "Strefa czasowa musi być nazwą IANA, np. Europe/Warsaw."),
	{apperr.NotAllowed, "timeZone"}:      t("unknown time zone", "Nieznana strefa czasowa."),
	{apperr.InvalidFormat, "locale"}:     t("locale must be a BCP 47 tag such as pl-PL", "Ustawienia regionalne muszą być znacznikiem BCP 47, np. pl-PL."),
	{apperr.NotAllowed, "currency"}:      t("unsupported currency", "Ta waluta nie jest obsługiwana."),
	{apperr.NotAllowed, "role"}:          t("unknown role", "Nieznana rola."),
	{apperr.NotAllowed, "paymentPolicy"}: t("unknown payment policy", "Nieznana zasada płatności."),
	{apperr.NotAllowed, "depositKind"}:   t("unknown deposit kind", "Nieznany rodzaj zaliczki."),
	{apperr.Inconsistent, "depositKind"}: t("a deposit needs paymentPolicy OPTIONAL or REQUIRED", "Zaliczka wymaga płatności online (paymentPolicy OPTIONAL lub REQUIRED)."),
	{apperr.Inconsistent, "depositValue"}: t("a deposit value needs depositKind FIXED or PERCENT, and a fixed deposit a price of at least 2 minor units",
		"Wartość zaliczki wymaga rodzaju FIXED lub PERCENT, a stała zaliczka ceny co najmniej 2 groszy lub centów."),
	{apperr.OutOfRange, "depositValue"}: t("deposit must be between {min} and {max} (minor units below the price for FIXED, percent for PERCENT)",
		"Zaliczka musi mieścić się w zakresie od {min} do {max} (w groszach lub centach poniżej ceny dla FIXED, w procentach dla PERCENT)."),
	{apperr.TooShort, "password"}:             t("password must be at least {min} characters long", "Hasło musi mieć co najmniej {min|znak|znaki|znaków}."),
	{apperr.TooLong, "password"}:              t("password must be at most {max} characters long", "Hasło może mieć co najwyżej {max|znak|znaki|znaków}."),
	{apperr.NotAllowed, "password"}:           t("password is too weak", "Hasło jest zbyt łatwe do odgadnięcia."),
	{apperr.InvalidFormat, "intervals.start"}: t("time of day must be HH:MM, e.g. 09:30", "Godzina musi mieć postać GG:MM, np. 09:30."),
	{apperr.InvalidFormat, "intervals.end"}:   t("time of day must be HH:MM, e.g. 09:30", "Godzina musi mieć postać GG:MM, np. 09:30."),
	{apperr.OutOfRange, "intervals.start"}:    t("time of day must be between 00:00 and 24:00", "Godzina musi mieścić się między 00:00 a 24:00."),
	{apperr.OutOfRange, "intervals.end"}:      t("time of day must be between 00:00 and 24:00", "Godzina musi mieścić się między 00:00 a 24:00."),
	{apperr.Inconsistent, "intervals.end"}:    t("end must be after start", "Koniec musi być późniejszy niż początek."),
	{apperr.Inconsistent, "endsAt"}:           t("end must be after start", "Koniec musi być późniejszy niż początek."),
	{apperr.Inconsistent, "to"}:               t("to must not be before from", "Data końcowa nie może być wcześniejsza niż początkowa."),
	{apperr.NotAllowed, "intervals.weekday"}:  t("unknown weekday", "Nieznany dzień tygodnia."),
	{apperr.TooLong, "intervals"}:             t("too many intervals (at most {max})", "Za dużo przedziałów (najwyżej {max})."),
	{apperr.OutOfRange, "endsAt"}:             t("time off may last at most a year", "Nieobecność może trwać najwyżej rok."),
	{apperr.OutOfRange, "date"}:               t("date must be between {min} and {max}", "Data musi przypadać między rokiem {min} a {max}."),
}

// pl is a translation of a message whose English text is its key (byMessage).
func pl(text string) translations { return translations{Polish: {text}} }

// byMessage translates the domains' sentinel errors by their English text, which is the key; a
// sentinel's sub-code and field may be shared by several (the start time in the past, too soon, too
// far), its text is not.
var byMessage = map[string]translations{
	// sms
	"SMSAPI refused this token: generate a new one in SMSAPI's panel (API tokens) with the sms scope":                  pl("SMSAPI odrzuciło ten token: wygeneruj nowy w panelu SMSAPI (Tokeny API) z uprawnieniem sms."),
	"SMSAPI did not answer, so the token could not be checked: try again in a moment":                                  pl("SMSAPI nie odpowiedziało, więc nie udało się sprawdzić tokenu: spróbuj ponownie za chwilę."),
	"SMS needs an SMSAPI token: enter the business's own (SMSAPI panel → API tokens) — this platform has none to lend": pl("Wysyłka SMS wymaga tokenu SMSAPI: wpisz własny token firmy (panel SMSAPI → Tokeny API) — ta platforma nie udostępnia swojego."),
	"the sender name may have letters A–Z without diacritics, digits, '-', '.' and spaces, with at least one letter":   pl("Nazwa nadawcy może zawierać litery A–Z bez polskich znaków, cyfry, „-”, „.” i spacje, w tym co najmniej jedną literę."),
	"the SMSAPI token looks wrong: copy it from SMSAPI's panel (API tokens, OAuth)":                                    pl("Token SMSAPI wygląda na nieprawidłowy: skopiuj go z panelu SMSAPI (Tokeny API, OAuth)."),
	"the sender name must be at most 11 characters":                                                                    pl("Nazwa nadawcy może mieć co najwyżej 11 znaków."),
	"the text must be at most 2000 characters":                                                                         pl("Tekst może mieć co najwyżej 2000 znaków."),
	// booking
	"this time is no longer available":                                       pl("Ten termin został już zajęty."),
	"service not found":                                                      pl("Nie znaleziono usługi."),
	"this service is not offered any more":                                   pl("Ta usługa nie jest już oferowana."),
	"staff member not found":                                                 pl("Nie znaleziono pracownika."),
	"calendar feed not found":                                                pl("Nie znaleziono kalendarza."),
	"this link is invalid or has expired; ask for a new one":                 pl("Ten link jest nieprawidłowy lub wygasł; poproś o nowy."),
	"the link's token is required":                                           pl("Brak tokenu z linku."),
	"this staff member does not take bookings":                               pl("Ten pracownik nie przyjmuje rezerwacji."),
	"this staff member does not perform this service":                        pl("Ten pracownik nie wykonuje tej usługi."),
	"reservation not found":                                                  pl("Nie znaleziono rezerwacji."),
	"time off not found":                                                     pl("Nie znaleziono nieobecności."),
	"this change is not possible in the reservation's current status":        pl("Ta zmiana nie jest możliwa przy obecnym stanie rezerwacji."),
	"this idempotency key was already used for a different reservation":      pl("Ten klucz idempotencji został już użyty dla innej rezerwacji."),
	"the reservation has not started yet":                                    pl("Rezerwacja jeszcze się nie rozpoczęła."),
	"the reservation has already started; contact the business":              pl("Rezerwacja już się rozpoczęła; skontaktuj się z firmą."),
	"this account is already linked to another staff member":                 pl("To konto jest już powiązane z innym pracownikiem."),
	"this account is not a member of the business":                           pl("To konto nie należy do tej firmy."),
	"working intervals overlap":                                              pl("Przedziały godzin pracy nakładają się."),
	"the start time is in the past":                                          pl("Godzina rozpoczęcia już minęła."),
	"the start time is sooner than the business's minimum notice":            pl("Termin jest zbyt bliski: firma wymaga wcześniejszej rezerwacji."),
	"the start time is beyond the business's booking horizon":                pl("Termin jest zbyt odległy: firma nie przyjmuje jeszcze rezerwacji na ten dzień."),
	"the start time is outside working hours":                                pl("Godzina rozpoczęcia wypada poza godzinami pracy."),
	"the start time is not on the slot grid":                                 pl("Godzina rozpoczęcia nie pasuje do siatki terminów."),
	"no staff member is free at this time":                                   pl("Żaden pracownik nie jest wolny w tym terminie."),
	"only the business can make this change":                                 pl("Tę zmianę może wprowadzić tylko firma."),
	"at most 62 days at a time":                                              pl("Najwyżej 62 dni naraz."),
	"only the business can change the service of a visit":                    pl("Usługę wizyty może zmienić tylko firma."),
	"the new service is priced in another currency":                          pl("Nowa usługa ma cenę w innej walucie."),
	"tenantSlug is required to book without signing in":                      pl("Aby zarezerwować bez logowania, podaj tenantSlug."),
	"this business does not take cancellations online; contact the business": pl("Ta firma nie przyjmuje odwołań online; skontaktuj się z firmą."),
	"it is too late to cancel this reservation online; contact the business": pl("Na odwołanie tej rezerwacji online jest już za późno; skontaktuj się z firmą."),
	"only the business chooses the refund of a cancellation":                 pl("Tylko firma decyduje o zwrocie przy odwołaniu rezerwacji."),
	"unknown refund choice":                                                  pl("Nieznany rodzaj zwrotu."),
	"give either refund or refundAmount, not both":                           pl("Podaj refund albo refundAmount, nie oba naraz."),
	"the refund cannot be negative":                                          pl("Kwota zwrotu nie może być ujemna."),
	// customers
	"customer not found": pl("Nie znaleziono klienta."),
	"another customer of this business has this e-mail address; merge the two instead": pl("Inny klient tej firmy ma ten adres e-mail; zamiast tego połącz oba rekordy."),
	"a customer cannot be merged with itself":                                          pl("Nie można połączyć klienta z nim samym."),
	// booking fields
	"booking field not found":                                                      pl("Nie znaleziono pola formularza rezerwacji."),
	"another active booking field of this business has this key":                   pl("Inne aktywne pole formularza tej firmy ma ten klucz."),
	"this service has no booking field with this key":                              pl("Ta usługa nie ma pola formularza o tym kluczu."),
	"this booking field is answered twice":                                         pl("Na to pole formularza odpowiedziano dwa razy."),
	"a required booking field is not answered":                                     pl("Brak odpowiedzi na wymagane pole formularza."),
	"this booking field is required":                                               pl("To pole formularza jest wymagane."),
	"this box must be ticked":                                                      pl("To pole musi być zaznaczone."),
	"choose at least one option":                                                   pl("Wybierz co najmniej jedną opcję."),
	"this option is not offered":                                                   pl("Ta opcja nie jest dostępna."),
	"a multiple-choice field takes values, not value":                              pl("Pole wielokrotnego wyboru przyjmuje values, nie value."),
	"only a multiple-choice field takes values; send value":                        pl("Tylko pole wielokrotnego wyboru przyjmuje values; podaj value."),
	"must be a number, e.g. 42 or 1.5":                                             pl("Podaj liczbę, np. 42 lub 1.5."),
	"must be true or false":                                                        pl("Podaj true lub false."),
	"must be a date, YYYY-MM-DD":                                                   pl("Podaj datę w formacie RRRR-MM-DD."),
	"key is required":                                                              pl("Podaj klucz."),
	"key must be 1 to 40 lower-case letters, digits or _, starting with a letter":  pl("Klucz to od 1 do 40 małych liter, cyfr lub _, zaczynający się literą."),
	"type is required":                                                             pl("Podaj typ pola."),
	"a label in Polish or English is required":                                     pl("Podaj etykietę po polsku lub po angielsku."),
	"a booking field's key cannot change; archive it and add another":              pl("Klucza pola nie można zmienić; zarchiwizuj pole i dodaj nowe."),
	"unknown booking field type":                                                   pl("Nieznany typ pola formularza."),
	"texts are in pl or en":                                                        pl("Teksty podaje się po polsku (pl) lub angielsku (en)."),
	"two options have this key":                                                    pl("Dwie opcje mają ten klucz."),
	"a choice field needs at least one option":                                     pl("Pole wyboru wymaga co najmniej jednej opcji."),
	"only choice fields have options":                                              pl("Opcje mają tylko pola wyboru."),
	"only text fields have a maximum length":                                       pl("Maksymalną długość mają tylko pola tekstowe."),
	"only number fields have a range":                                              pl("Zakres mają tylko pola liczbowe."),
	"max must not be below min":                                                    pl("Maksimum nie może być mniejsze od minimum."),
	"this booking field is listed twice":                                           pl("To pole formularza podano dwa razy."),
	"the time to decide on this request has passed; it is declined automatically":  pl("Czas na decyzję w sprawie tej prośby minął; zostanie odrzucona automatycznie."),
	"this business does not let customers move their visits; contact the business": pl("Ta firma nie pozwala klientom samodzielnie przenosić wizyt; skontaktuj się z firmą."),
	"it is too late to move this visit yourself; contact the business":             pl("Na samodzielne przeniesienie tej wizyty jest już za późno; skontaktuj się z firmą."),
	// payments
	"payment method not found":                                                pl("Nie znaleziono metody płatności."),
	"payment not found":                                                       pl("Nie znaleziono płatności."),
	"online payments are not set up for this business":                        pl("Ta firma nie ma skonfigurowanych płatności online."),
	"this reservation is already paid":                                        pl("Ta rezerwacja jest już opłacona."),
	"this reservation can no longer be paid":                                  pl("Tej rezerwacji nie można już opłacić."),
	"a payment for this reservation is already in progress":                   pl("Płatność za tę rezerwację jest już w toku."),
	"this idempotency key was used for a different payment":                   pl("Ten klucz idempotencji został już użyty dla innej płatności."),
	"this payment channel is not available for this amount":                   pl("Ten kanał płatności nie jest dostępny dla tej kwoty."),
	"the payment provider did not answer; try again":                          pl("Operator płatności nie odpowiedział; spróbuj ponownie."),
	"the payment provider refused the payment":                                pl("Operator płatności odrzucił płatność."),
	"refund exceeds what was paid and not yet refunded":                       pl("Zwrot przekracza kwotę zapłaconą i jeszcze niezwróconą."),
	"only a paid imoje payment can be refunded":                               pl("Zwrócić można tylko opłaconą płatność imoje."),
	"only an unpaid reservation can be marked paid":                           pl("Jako opłaconą można oznaczyć tylko nieopłaconą rezerwację."),
	"nothing is due on this reservation":                                      pl("Za tę rezerwację nic nie jest należne."),
	"display name must be 1 to 100 characters":                                pl("Nazwa wyświetlana musi mieć od 1 do 100 znaków."),
	"description must be at most 1000 characters":                             pl("Opis może mieć co najwyżej 1000 znaków."),
	"account details belong to BANK_TRANSFER methods only":                    pl("Dane konta podaje się tylko dla metody BANK_TRANSFER."),
	"account holder is required for a bank transfer":                          pl("Podaj właściciela konta dla przelewu bankowego."),
	"account number (IBAN) is required for a bank transfer":                   pl("Podaj numer konta (IBAN) dla przelewu bankowego."),
	"account number is not a valid IBAN":                                      pl("Numer konta nie jest prawidłowym numerem IBAN."),
	"transfer title template must be at most 140 characters":                  pl("Szablon tytułu przelewu może mieć co najwyżej 140 znaków."),
	"idempotency key must be 1 to 200 characters":                             pl("Klucz idempotencji musi mieć od 1 do 200 znaków."),
	"BLIK code must be 6 digits":                                              pl("Kod BLIK musi mieć 6 cyfr."),
	"choose a bank for a fast transfer":                                       pl("Wybierz bank dla szybkiego przelewu."),
	"choose a pay-later provider: TWISTO, PAYPO, BLIK_PAY_LATER or PRAGMA_GO": pl("Wybierz dostawcę płatności odroczonej: TWISTO, PAYPO, BLIK_PAY_LATER lub PRAGMA_GO."),
	"channel must be BLIK, PBL, PAY_LATER, CARD or CHOOSE":                    pl("Kanał musi mieć wartość BLIK, PBL, PAY_LATER, CARD lub CHOOSE."),
	"a BLIK code goes with the BLIK channel only":                             pl("Kod BLIK podaje się tylko dla kanału BLIK."),
	"return URL must be an absolute http(s) URL":                              pl("Adres powrotu musi być bezwzględnym adresem http(s)."),
	"choose at least one channel to offer":                                    pl("Wybierz co najmniej jeden kanał płatności."),
	// imoje credentials (saveImojeCredentials): the owner pastes them from imoje's panel
	"authorization token looks wrong: copy it from Settings → API keys in imoje's panel":        pl("Token autoryzacyjny wygląda na błędny: skopiuj go z panelu imoje, Ustawienia → Klucze API."),
	"merchant id (Identyfikator klienta) must be lowercase letters and digits":                  pl("Identyfikator klienta składa się z małych liter i cyfr."),
	"shop id (Identyfikator sklepu) must be a UUID":                                             pl("Identyfikator sklepu musi być identyfikatorem UUID (np. a33f331b-23fc-42b0-9fd1-67f310028b46)."),
	"shop key (Klucz sklepu) looks wrong: copy it from the shop's integration data":             pl("Klucz sklepu wygląda na błędny: skopiuj go z zakładki Dane do integracji sklepu."),
	"imoje refused the authorization token for this merchant id: check both in the panel":       pl("imoje odrzuciło token autoryzacyjny dla tego identyfikatora klienta: sprawdź oba w panelu imoje."),
	"imoje does not know this shop for this merchant: check the shop id (Identyfikator sklepu)": pl("imoje nie zna tego sklepu dla tego identyfikatora klienta: sprawdź identyfikator sklepu."),
	"this shop is not active in imoje":                                                          pl("Ten sklep nie jest aktywny w imoje."),
	"a custom imoje URL is accepted only by a development server: choose PRODUCTION or SANDBOX": pl("Własny adres imoje przyjmuje tylko serwer deweloperski: wybierz środowisko produkcyjne lub sandbox."),
	"this imoje shop is connected to another business on slotpay. If the shop is yours, generate a new authorization token in imoje's panel (Settings → API keys; this ends the other connection) and save it here; a business needs a shop of its own": pl(
		"Ten sklep imoje jest połączony z inną firmą w slotpay. Jeśli sklep jest Twój, wygeneruj nowy token autoryzacyjny w panelu imoje (Ustawienia → Klucze API; to kończy tamto połączenie) i zapisz go tutaj; każda firma potrzebuje własnego sklepu."),
	// tenancy and auth
	"invalid e-mail or password":                                  pl("Nieprawidłowy adres e-mail lub hasło."),
	"invalid or expired refresh token":                            pl("Token odświeżania jest nieprawidłowy lub wygasł."),
	"this slug is already taken":                                  pl("Ten identyfikator jest już zajęty."),
	"an account with this e-mail already exists":                  pl("Konto z tym adresem e-mail już istnieje."),
	"this person is already a member":                             pl("Ta osoba jest już członkiem zespołu."),
	"an invitation for this e-mail is already open":               pl("Zaproszenie dla tego adresu e-mail jest już aktywne."),
	"invitation not found, expired or already used":               pl("Nie znaleziono zaproszenia, wygasło lub zostało już użyte."),
	"a business must keep at least one owner":                     pl("Firma musi mieć co najmniej jednego właściciela."),
	"you cannot grant or manage a role above your own":            pl("Nie możesz nadawać ról wyższych niż Twoja ani nimi zarządzać."),
	"this account is not a member of that business":               pl("To konto nie należy do tej firmy."),
	"this account belongs to several businesses: give tenantSlug": pl("To konto należy do kilku firm: podaj tenantSlug."),
	"business not found":                                          pl("Nie znaleziono firmy."),
	"member not found":                                            pl("Nie znaleziono członka zespołu."),
	"invitation not found":                                        pl("Nie znaleziono zaproszenia."),
	"you are no longer a member of this business":                 pl("Nie jesteś już członkiem tej firmy."),
	"password is too common":                                      pl("To hasło jest zbyt popularne."),
	"password must not be one repeated character":                 pl("Hasło nie może składać się z jednego powtórzonego znaku."),
	"password must not be the e-mail address":                     pl("Hasło nie może być adresem e-mail."),
}
