package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/switchboard-rt/switchboard/server/web"
)

// precompress writes FILE.br and FILE.gz for each FILE.
func precompress(args []string, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: switchboard precompress FILE...")
	}
	for _, a := range args {
		if err := web.Compress(a); err != nil {
			return fmt.Errorf("precompress %s: %w", a, err)
		}
		fmt.Fprintf(stderr, "wrote %s.br and %s.gz\n", a, a)
	}
	return nil
}
