package ui

import "time"

// ceilSeconds rounds d up to whole seconds, for "Reconnecting in N s".
func ceilSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
}
