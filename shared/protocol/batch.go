package protocol

import "bytes"

// MaxBatchBytes bounds a batch frame the server builds: events beyond it
// go in the next frame (one event larger than it goes alone).
const MaxBatchBytes = 256 << 10

// IsBatch reports whether frame is a batch frame built by AppendBatch.
func IsBatch(frame []byte) bool {
	return bytes.HasPrefix(frame, BatchPrefix) && bytes.HasSuffix(frame, BatchSuffix)
}

// batchBody returns what a frame contributes to a batch: a batch frame's
// events (without its brackets), any other frame as it is.
func batchBody(frame []byte) []byte {
	if IsBatch(frame) {
		return frame[len(BatchPrefix) : len(frame)-len(BatchSuffix)]
	}
	return frame
}

// AppendBatch appends to dst one frame that carries the leading frames of
// frames (encoded events, or batch frames whose events are spliced in, so
// batches never nest) and returns it with how many frames it took: at least
// one, and no more than keep the result within limit bytes. One frame
// taken alone is appended as it is. The events are not encoded again.
func AppendBatch(dst []byte, frames [][]byte, limit int) ([]byte, int) {
	if len(frames) == 0 {
		return dst, 0
	}
	size := len(BatchPrefix) + len(batchBody(frames[0])) + len(BatchSuffix)
	n := 1
	for n < len(frames) && size+1+len(batchBody(frames[n])) <= limit {
		size += 1 + len(batchBody(frames[n]))
		n++
	}
	if n == 1 {
		return append(dst, frames[0]...), 1
	}
	dst = append(dst, BatchPrefix...)
	for i, f := range frames[:n] {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, batchBody(f)...)
	}
	return append(dst, BatchSuffix...), n
}
