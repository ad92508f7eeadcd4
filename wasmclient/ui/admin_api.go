package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/switchboard-rt/switchboard/shared/adminapi"
	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// adminClient calls the admin API of the server that served the page,
// with a bearer credential (the admin token or an admin's site JWT).
type adminClient struct {
	base *url.URL // the page's URL: paths resolve against it
	cred string
}

// apiError is a failed call: the HTTP status and the typed error.
type apiError struct {
	status int
	err    *protocol.Error
}

func (e *apiError) Error() string { return e.err.Message }

// unauthorized reports whether the credential was refused or is not an
// admin's: the dashboard then asks for another.
func (e *apiError) unauthorized() bool {
	return e.status == http.StatusUnauthorized || e.status == http.StatusForbidden
}

func (c adminClient) get(ctx context.Context, path string, out any) error {
	return c.call(ctx, http.MethodGet, path, nil, out)
}

func (c adminClient) post(ctx context.Context, path string, body, out any) error {
	return c.call(ctx, http.MethodPost, path, body, out)
}

func (c adminClient) call(ctx context.Context, method, path string, body, out any) error {
	ref, err := url.Parse(path)
	if err != nil {
		return err
	}
	target := ref.String()
	if c.base != nil {
		target = c.base.ResolveReference(ref).String()
	}
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.cred)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("the server cannot be reached")
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("the answer was cut off")
	}
	if resp.StatusCode != http.StatusOK {
		var eb adminapi.ErrorBody
		if json.Unmarshal(data, &eb) != nil || eb.Error == nil {
			eb.Error = protocol.Errorf(protocol.CodeInternal, "the server answered %s", resp.Status)
		}
		return &apiError{status: resp.StatusCode, err: eb.Error}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}
