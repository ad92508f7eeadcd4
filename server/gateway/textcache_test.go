package gateway

import (
	"testing"

	"github.com/switchboard-rt/switchboard/shared/protocol"
)

// The same queued frame decodes once; another frame, even with the same
// length or the same bytes elsewhere, decodes on its own.
func TestDecodedFrames(t *testing.T) {
	var d decodedFrames
	a := []byte(`{"type":"message","room":"r","offset":1,"text":"one"}`)
	b := []byte(`{"type":"message","room":"r","offset":2,"text":"two"}`) // same length
	aCopy := append([]byte(nil), a...)

	first, err := d.decode(a)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := d.decode(a)
	if again != first {
		t.Error("the same frame was decoded twice")
	}
	other, _ := d.decode(b)
	if other == first || other.Text != "two" || other.Offset != 2 {
		t.Errorf("a frame of the same length got %+v", other)
	}
	copied, _ := d.decode(aCopy)
	if copied == first && &aCopy[0] != &a[0] {
		t.Error("a frame at another address shared a decode")
	}
	if copied.Text != "one" {
		t.Errorf("copy decoded to %q", copied.Text)
	}
	if _, err := d.decode([]byte(`{"type":`)); err == nil {
		t.Error("a broken frame decoded")
	}
	if _, err := d.decode(nil); err == nil {
		t.Error("an empty frame decoded")
	}
	if ev, _ := d.decode([]byte(`{"type":"batch","events":[{"type":"message","text":"x"}]}`)); ev.Type != protocol.EvBatch || len(ev.Events) != 1 {
		t.Errorf("batch decoded to %+v", ev)
	}
}
