package webhook

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// Signer makes the signed POSTs of webhooks and hooks to one backend URL:
// the Standard Webhooks headers over the exact body, through HTTPClient.
type Signer struct {
	url, agent string
	maxRead    int64
	sign       *standardwebhooks.Webhook
	client     *http.Client
}

// NewSigner returns a Signer for url with secret (whsec_); agent is the
// User-Agent; connect and total bound each call, maxRead the answer kept.
func NewSigner(url, secret, agent string, connect, total time.Duration, maxRead int64) (*Signer, error) {
	sign, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return nil, err
	}
	return &Signer{url: url, agent: agent, maxRead: maxRead, sign: sign, client: HTTPClient(connect, total)}, nil
}

// Post sends body as message id, signed now, and returns the answer's
// status and up to maxRead+1 bytes of its body (one more than kept, so a
// caller can tell an answer that was too long). A failed call's error is
// its cause, without the URL (which may hold a token).
func (s *Signer) Post(ctx context.Context, id string, body []byte) (int, []byte, error) {
	now := time.Now()
	sig, err := s.sign.Sign(id, now, body)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.agent)
	req.Header.Set(standardwebhooks.HeaderWebhookID, id)
	req.Header.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(standardwebhooks.HeaderWebhookSignature, sig)
	resp, err := s.client.Do(req)
	if err != nil {
		var uerr interface{ Unwrap() error }
		if errors.As(err, &uerr) {
			return 0, nil, uerr.Unwrap()
		}
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, s.maxRead+1))
	return resp.StatusCode, answer, err
}
