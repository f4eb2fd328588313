package messages

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"time"

	"golang.org/x/text/currency"
)

var linkRE = regexp.MustCompile(`https?://[^\s<>"]+`)

// textToHTML is text as an HTML document: escaped, blank lines between paragraphs, line breaks kept,
// links clickable.
func textToHTML(text string) string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="font-family:sans-serif;line-height:1.5">`)
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		para = strings.TrimSpace(para)
		if para == "" {
			continue
		}
		lines := strings.Split(para, "\n")
		for i, l := range lines {
			lines[i] = linkify(l)
		}
		b.WriteString("<p>" + strings.Join(lines, "<br>") + "</p>")
	}
	b.WriteString("</body></html>")
	return b.String()
}

// linkify escapes l and makes its URLs links.
func linkify(l string) string {
	var b strings.Builder
	last := 0
	for _, m := range linkRE.FindAllStringIndex(l, -1) {
		b.WriteString(html.EscapeString(l[last:m[0]]))
		u := html.EscapeString(l[m[0]:m[1]])
		b.WriteString(`<a href="` + u + `">` + u + `</a>`)
		last = m[1]
	}
	b.WriteString(html.EscapeString(l[last:]))
	return b.String()
}

// FormatMoney writes amount minor units of cur as a reader of locale expects: "1 234,50 zł" in
// Polish, "PLN 1,234.50" in English.
func FormatMoney(amount int64, cur, locale string) string {
	scale := 2
	if u, err := currency.ParseISO(cur); err == nil {
		scale, _ = currency.Standard.Rounding(u)
	}
	neg := amount < 0
	if neg {
		amount = -amount
	}
	pow := int64(1)
	for range scale {
		pow *= 10
	}
	whole, frac := amount/pow, amount%pow
	thousands, decimal := ",", "."
	if locale == "pl" {
		thousands, decimal = "\u00a0", ","
	}
	s := group(whole, thousands)
	if scale > 0 {
		s += decimal + fmt.Sprintf("%0*d", scale, frac)
	}
	if neg {
		s = "-" + s
	}
	if locale == "pl" {
		if cur == "PLN" {
			return s + "\u00a0zł"
		}
		return s + "\u00a0" + cur
	}
	return cur + "\u00a0" + s
}

func group(n int64, sep string) string {
	s := fmt.Sprint(n)
	if len(s) <= 3 || (sep == "\u00a0" && len(s) == 4) { // Polish writes 1234 but 12 345
		return s
	}
	var out []string
	for len(s) > 3 {
		out = append([]string{s[len(s)-3:]}, out...)
		s = s[:len(s)-3]
	}
	return strings.Join(append([]string{s}, out...), sep)
}

var (
	plDays   = []string{"niedziela", "poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota"}
	plMonths = []string{"stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września", "października", "listopada", "grudnia"}
)

// FormatDate is t's date in zone as locale writes it: "wtorek, 8 grudnia 2026", "Tuesday, 8 December 2026".
func FormatDate(t time.Time, zone *time.Location, locale string) string {
	t = t.In(zone)
	if locale == "pl" {
		return fmt.Sprintf("%s, %d %s %d", plDays[t.Weekday()], t.Day(), plMonths[t.Month()-1], t.Year())
	}
	return t.Format("Monday, 2 January 2006")
}

// FormatClock is t's time of day in zone, 24-hour: "14:30".
func FormatClock(t time.Time, zone *time.Location) string { return t.In(zone).Format("15:04") }

// FormatTime is t's date and time in zone: "wtorek, 8 grudnia 2026, 14:30".
func FormatTime(t time.Time, zone *time.Location, locale string) string {
	return FormatDate(t, zone, locale) + ", " + FormatClock(t, zone)
}
