//go:build !linux

package gateway

// awaitFrame does not wait off Linux: the reader parks inside its read.
func (c *conn) awaitFrame() bool { return false }
