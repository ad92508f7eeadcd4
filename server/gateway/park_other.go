//go:build !linux

package gateway

// poller does not exist off Linux: readers wait on their own goroutines.
type poller struct{}

func (p *poller) forget(*parking) {}

func (p *poller) count() int { return 0 }

// awaitOrPark never parks off Linux.
func (c *conn) awaitOrPark() (ready, parked bool) { return c.awaitFrame(), false }

func (g *Gateway) stopPoller() {}
