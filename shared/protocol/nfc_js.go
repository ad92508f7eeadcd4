//go:build js

package protocol

import "syscall/js"

// normalize is String.prototype.normalize.
var normalize = js.Global().Get("String").Get("prototype").Get("normalize")

// nfc returns s in Unicode Normalization Form C. In the browser (and Node)
// String.prototype.normalize does it, which keeps x/text's tables out of
// app.wasm; the server's normalisation (x/text) is the one that counts.
func nfc(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return normalize.Call("call", s, "NFC").String()
		}
	}
	return s // ASCII is always NFC
}
