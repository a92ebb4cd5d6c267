//go:build !linux

package argon2

// newBlocks allocates n blocks on the Go heap outside Linux.
func newBlocks(n uint32) []block {
	return make([]block, n)
}
