//go:build !unix

package argon2

// newBlocks allocates n blocks on the Go heap where anonymous mappings are not at hand.
func newBlocks(n uint32) []block {
	return make([]block, n)
}
