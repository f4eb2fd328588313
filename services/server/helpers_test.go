package server_test

import "encoding/json"

func jsonInto(raw json.RawMessage, out any) error { return json.Unmarshal(raw, out) }
