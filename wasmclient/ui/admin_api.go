package ui

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
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

// The HTTP statuses the dashboard tells apart.
const (
	statusOK           = 200
	statusUnauthorized = 401
	statusForbidden    = 403
)

// unauthorized reports whether the credential was refused or is not an
// admin's: the dashboard then asks for another.
func (e *apiError) unauthorized() bool {
	return e.status == statusUnauthorized || e.status == statusForbidden
}

func (c adminClient) get(ctx context.Context, path string, out any) error {
	return c.call(ctx, "GET", path, nil, out)
}

func (c adminClient) post(ctx context.Context, path string, body, out any) error {
	return c.call(ctx, "POST", path, body, out)
}

// call makes one request with the browser's fetch (net/http's client
// would bring its whole transport, HTTP/2 included, into app.wasm: +5.7 MB).
// It blocks: call it from a goroutine, never the UI one.
func (c adminClient) call(ctx context.Context, method, path string, body, out any) error {
	ref, err := url.Parse(path)
	if err != nil {
		return err
	}
	target := ref.String()
	if c.base != nil {
		target = c.base.ResolveReference(ref).String()
	}
	headers := app.Window().Get("Headers").New()
	headers.Call("set", "Authorization", "Bearer "+c.cred)
	opts := app.Window().Get("Object").New()
	opts.Set("method", method)
	opts.Set("headers", headers)
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		headers.Call("set", "Content-Type", "application/json")
		opts.Set("body", string(data))
	}
	abort := app.Window().Get("AbortController").New()
	opts.Set("signal", abort.Get("signal"))
	stop := context.AfterFunc(ctx, func() { abort.Call("abort") })
	defer stop()
	resp, err := await(app.Window().Call("fetch", target, opts))
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return errors.New("the server cannot be reached")
	}
	text, err := await(resp.Call("text"))
	if err != nil {
		return errors.New("the answer was cut off")
	}
	data := []byte(text.String())
	if status := resp.Get("status").Int(); status != statusOK {
		var eb adminapi.ErrorBody
		if json.Unmarshal(data, &eb) != nil || eb.Error == nil {
			eb.Error = protocol.Errorf(protocol.CodeInternal, "the server answered HTTP %d", status)
		}
		return &apiError{status: status, err: eb.Error}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}
