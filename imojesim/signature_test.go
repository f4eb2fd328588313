package imojesim

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"testing"
)

const (
	exampleKey    = "PIcMy86ssE5wuNHAuQn5zPKf6hCAwX3Oxvjw"
	exampleHeader = "merchantid=mdy7zxvxudgarxbsou9n;serviceid=a33f331b-23fc-42b0-9fd1-67f310028b46;signature=b73321c9e8bcc414b8c08198db4084dafb1b4dc252f512ffe71b1fbce857fd23;alg=sha256"
)

func TestNotificationSignatureVector(t *testing.T) {
	t.Parallel()
	paths := []string{"testdata/notification-example.json"}
	// The shared original beside the clone, when it is there; the copy in testdata keeps the
	// test independent of it.
	if _, err := os.Stat("../../shared/imoje/notification-example.json"); err == nil {
		paths = append(paths, "../../shared/imoje/notification-example.json")
	}
	for _, path := range paths {
		t.Run(path, func(t *testing.T) {
			body, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			sig, err := Sign(body, exampleKey, "sha256")
			if err != nil {
				t.Fatal(err)
			}
			want := "b73321c9e8bcc414b8c08198db4084dafb1b4dc252f512ffe71b1fbce857fd23"
			if sig != want {
				t.Fatalf("signature = %s, want %s", sig, want)
			}
			h := SignatureHeader{MerchantID: "mdy7zxvxudgarxbsou9n", ServiceID: "a33f331b-23fc-42b0-9fd1-67f310028b46", Signature: sig, Alg: "sha256"}
			if h.String() != exampleHeader {
				t.Fatalf("header = %s", h.String())
			}
			if _, err := VerifyNotification(body, exampleHeader, exampleKey); err != nil {
				t.Fatalf("verify: %v", err)
			}
			if _, err := VerifyNotification(body, exampleHeader, exampleKey+"x"); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("verify with another key: %v, want ErrBadSignature", err)
			}
			var pretty bytes.Buffer
			json.Indent(&pretty, body, "", "  ")
			if _, err := VerifyNotification(pretty.Bytes(), exampleHeader, exampleKey); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("pretty-printed body verified: %v", err)
			}
		})
	}
}

// The simulator's encoder writes imoje's bytes: decoding the example and encoding it again gives
// the file back exactly, so field names and order are imoje's.
func TestEncodeNotificationReproducesExample(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile("testdata/notification-example.json")
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var n Notification
	if err := dec.Decode(&n); err != nil {
		t.Fatal(err)
	}
	got, err := EncodeNotification(n)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, body) {
		t.Fatalf("encoded:\n%s\nwant:\n%s", got, body)
	}
}

func TestFormSignatureVector(t *testing.T) {
	t.Parallel()
	fields := map[string]any{
		"merchantId": "6yt3gjtm9p1odfgx8491", "serviceId": "63f574ed-d90d-4abe-9cs1-39117584a7b",
		"amount": "300", "currency": "PLN", "orderId": "123", "orderDescription": "Example transaction",
		"customerFirstName": "John", "customerLastName": "Doe", "customerEmail": "johndoe@domain.com",
		"customerPhone": "501501501", "urlSuccess": "https://your-shop.com/success",
		"urlFailure": "https://your-shop.com/failure", "urlReturn": "https://your-shop.com/return",
	}
	const want = "0dd0c7b26d2bb0ea0b87c1cb10d83ab54a2ce18f72c7be8ef1b4bb31ad7515c2;sha256"
	if got := FormSignature(fields, "eAyhFLuHgwl5hu-32GM8QVlCVMWRU0dGjH1c"); got != want {
		t.Fatalf("form signature = %s, want %s", got, want)
	}
	// A signature field present in the form is not signed; an integer amount signs like "300".
	fields["signature"] = "anything"
	fields["amount"] = 300
	if got := FormSignature(fields, "eAyhFLuHgwl5hu-32GM8QVlCVMWRU0dGjH1c"); got != want {
		t.Fatalf("with signature field: %s", got)
	}
}

func TestFormSignatureFlattensNested(t *testing.T) {
	t.Parallel()
	nested := FormSignature(map[string]any{"a": "1", "billing": map[string]any{"firstName": "J", "city": "K"}}, "k")
	flat := FormSignature(map[string]any{"a": "1", "billing[firstName]": "J", "billing[city]": "K"}, "k")
	if nested != flat {
		t.Fatalf("nested %s != flat %s", nested, flat)
	}
}

func TestParseSignatureHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, value string
		ok          bool
	}{
		{"imoje's example", exampleHeader, true},
		{"any order and case", "ALG=sha256; Signature=ABCDEF;serviceid=s;MerchantId=m", true},
		{"sha512", "merchantid=m;serviceid=s;signature=00;alg=sha512", true},
		{"missing alg", "merchantid=m;serviceid=s;signature=00", false},
		{"unknown alg", "merchantid=m;serviceid=s;signature=00;alg=md5", false},
		{"duplicate key", "merchantid=m;merchantid=n;serviceid=s;signature=00;alg=sha256", false},
		{"unknown key", "merchantid=m;serviceid=s;signature=00;alg=sha256;x=1", false},
		{"not hex", "merchantid=m;serviceid=s;signature=zz;alg=sha256", false},
		{"no equals", "merchantid", false},
		{"empty", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, err := ParseSignatureHeader(tc.value)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if tc.ok {
				again, err := ParseSignatureHeader(h.String())
				if err != nil || again != h {
					t.Fatalf("round trip: %+v %v", again, err)
				}
			}
		})
	}
}

func TestSignAlgorithms(t *testing.T) {
	t.Parallel()
	for alg, hexLen := range map[string]int{"sha224": 56, "sha256": 64, "sha384": 96, "sha512": 128} {
		sig, err := Sign([]byte("{}"), "k", alg)
		if err != nil || len(sig) != hexLen {
			t.Errorf("%s: %q %v", alg, sig, err)
		}
	}
	if _, err := Sign(nil, "k", "md5"); err == nil {
		t.Error("md5 accepted")
	}
}

func FuzzParseSignatureHeader(f *testing.F) {
	f.Add(exampleHeader)
	f.Add("alg=sha512;signature=00;serviceid=s;merchantid=m")
	f.Add(";;==;")
	f.Fuzz(func(t *testing.T, value string) {
		h, err := ParseSignatureHeader(value)
		if err != nil {
			return
		}
		again, err := ParseSignatureHeader(h.String())
		if err != nil || again != h {
			t.Fatalf("%q parsed to %+v, which does not round-trip: %+v %v", value, h, again, err)
		}
	})
}

func FuzzVerifyNotification(f *testing.F) {
	body, _ := os.ReadFile("testdata/notification-example.json")
	f.Add(body, exampleHeader)
	f.Add([]byte("{}"), "merchantid=m;serviceid=s;signature=00;alg=sha256")
	f.Fuzz(func(t *testing.T, body []byte, header string) {
		h, err := VerifyNotification(body, header, exampleKey)
		if err != nil {
			return
		}
		want, _ := Sign(body, exampleKey, h.Alg)
		if want != h.Signature {
			t.Fatalf("verified a wrong signature %s (want %s)", h.Signature, want)
		}
	})
}
