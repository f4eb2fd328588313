package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// gqlClient speaks GraphQL over HTTP (POST, JSON) to one endpoint with a connection pool sized for
// the highest concurrency, so connections are reused as a real client's would be.
type gqlClient struct {
	url  string
	http *http.Client
}

func newGQLClient(url string, conns int) *gqlClient {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns * 2,
		MaxIdleConnsPerHost: conns * 2,
		MaxConnsPerHost:     0,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &gqlClient{url: url, http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

type gqlRequest struct {
	Query     string         `json:"query"`
	Variables map[string]any `json:"variables,omitempty"`
}

type gqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions"`
}

// gqlResponseError is a response carrying GraphQL errors.
type gqlResponseError struct {
	Code    string
	Message string
}

func (e *gqlResponseError) Error() string { return fmt.Sprintf("graphql %s: %s", e.Code, e.Message) }

// do posts one operation and returns the raw body. A non-200 status or a body with "errors" is an
// error; callers that need data decode the body themselves (the load loop does not, to keep the
// client's share of the two cores small and equal for every system).
func (c *gqlClient) do(ctx context.Context, token, query string, vars map[string]any) ([]byte, error) {
	payload, err := json.Marshal(gqlRequest{Query: query, Variables: vars})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return body, fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, body)
	}
	if bytes.Contains(body, []byte(`"errors"`)) {
		var out struct {
			Errors []gqlError `json:"errors"`
		}
		if json.Unmarshal(body, &out) == nil && len(out.Errors) > 0 {
			code, _ := out.Errors[0].Extensions["code"].(string)
			return body, &gqlResponseError{Code: code, Message: out.Errors[0].Message}
		}
	}
	return body, nil
}

func (c *gqlClient) close() { c.http.CloseIdleConnections() }
