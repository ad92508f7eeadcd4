package gateway

import "github.com/coder/websocket"

// compressionThreshold is the smallest message compressed when
// permessage-deflate is on; smaller ones go as they are. Compressed alone
// (no shared window), a single chat event of 150–350 bytes shrinks only
// 15–25% for a flate writer's work, while a batch or a history page of
// 2 KB shrinks about 75%.
const compressionThreshold = 512

// compressionMode is how accept negotiates permessage-deflate:
// disabled unless Options.Compression, and then without context takeover
// in both directions. With context takeover coder/websocket keeps a flate
// writer (about 1.2 MB) and a 32 KB window per connection for its whole
// life once it has compressed a message: 12 GB at the default 10,000
// connections. Without it each message is compressed with a fresh window
// (worse ratios on small messages) by a writer borrowed from a pool only
// for that write, and read with a pooled reader: an idle connection keeps
// only a 4 KB read buffer (once it has sent a compressed message).
func (g *Gateway) compressionMode() websocket.CompressionMode {
	if !g.opts.Compression {
		return websocket.CompressionDisabled
	}
	return websocket.CompressionNoContextTakeover
}
