package argon2

import (
	"syscall"
	"unsafe"
)

// newBlocks maps n blocks of anonymous memory, which the garbage collector neither counts
// nor scans. The pages become resident as a derivation first touches them.
func newBlocks(n uint32) []block {
	mem, err := syscall.Mmap(-1, 0, int(n)*blockLength*8, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]block, n) // the Go heap works as well; only the accounting differs
	}
	// Argon2 reads blocks all over the area: with 2 MiB pages the TLB covers it (2 hashes
	// at once went from about 72 to 75 a second). Refused, harmlessly, where transparent
	// huge pages are off.
	_ = syscall.Madvise(mem, syscall.MADV_HUGEPAGE)
	return unsafe.Slice((*block)(unsafe.Pointer(unsafe.SliceData(mem))), n)
}
